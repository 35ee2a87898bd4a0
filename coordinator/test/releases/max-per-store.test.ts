import { describe, expect, it } from "vitest";
import { planOperation } from "../../src/releases/plan-operation.js";
import { planRelease } from "../../src/releases/plan-release.js";
import type { MemberOutcome, ReleaseRecord } from "../../src/releases/release-model.js";
import { viewRelease } from "../../src/releases/release-view.js";
import { pickSends } from "../../src/releases/stage-tally.js";
import { ALICE, answer, fleet, input, release, type World, world } from "./release-fixtures.js";

function start(fields: Record<string, unknown>, w: World): ReleaseRecord {
  const planned = planOperation(input(release(fields), w), { kind: "start" }, ALICE);
  if (!planned.ok) throw new Error(planned.error);
  return planned.value.release;
}
const sentKeys = (rel: ReleaseRecord) =>
  rel.stages.flatMap((s) => s.members.filter((m) => m.requestId !== null).map((m) => m.key));

describe("pickSends", () => {
  const byStore = new Map([
    ["A", [0, 1, 2]],
    ["B", [3, 4]],
  ]);
  const cases: { name: string; outcomes: MemberOutcome[]; max: number | null; picked: number[] }[] =
    [
      {
        name: "no limit: every queued",
        outcomes: ["queued", "queued", "OK", "queued", "Prepared"],
        max: null,
        picked: [0, 1, 3],
      },
      {
        name: "1: the first of each store",
        outcomes: ["queued", "queued", "queued", "queued", "queued"],
        max: 1,
        picked: [0, 3],
      },
      {
        name: "2: two of each store",
        outcomes: ["queued", "queued", "queued", "queued", "queued"],
        max: 2,
        picked: [0, 1, 3, 4],
      },
      {
        name: "1: a Prepared till holds its store",
        outcomes: ["Prepared", "queued", "queued", "OK", "queued"],
        max: 1,
        picked: [4],
      },
      {
        name: "1: In Progress holds",
        outcomes: ["In Progress", "queued", "queued", "queued", "queued"],
        max: 1,
        picked: [3],
      },
      {
        name: "1: Not Ready holds (not updated yet)",
        outcomes: ["Not Ready", "queued", "queued", "queued", "queued"],
        max: 1,
        picked: [3],
      },
      {
        name: "1: soaking is OK on the version: next goes",
        outcomes: ["soaking", "queued", "queued", "queued", "queued"],
        max: 1,
        picked: [1, 3],
      },
      {
        name: "1: OK: next goes",
        outcomes: ["OK", "OK", "queued", "OK", "queued"],
        max: 1,
        picked: [2, 4],
      },
      {
        name: "2: one in flight leaves one slot",
        outcomes: ["In Progress", "queued", "queued", "queued", "queued"],
        max: 2,
        picked: [1, 3, 4],
      },
      {
        name: "held ones are never picked",
        outcomes: ["Failed", "held", "held", "queued", "queued"],
        max: 2,
        picked: [3, 4],
      },
    ];
  it.each(cases)("$name", ({ outcomes, max, picked }) => {
    expect(pickSends(outcomes, byStore, max)).toEqual(picked);
  });
});

describe.each([1, 2])("maxPerStore %d over 3 stores of 3 tills", (max) => {
  it("never more in flight per store; the next till goes only after an earlier is OK", () => {
    const w = world(fleet(3, 3));
    let rel = start({ maxPerStore: max }, w);
    expect(sentKeys(rel).filter((k) => k.startsWith("S00/"))).toHaveLength(max);
    expect(sentKeys(rel)).toHaveLength(3 * max);
    // Nothing answered: nothing more is sent.
    expect(planRelease(input(rel, w)).sends).toEqual([]);
    // S00's first till is OK: exactly one more of S00 goes.
    answer(rel, w, "S00/01/pos-client", "OK");
    const plan = planRelease(input(rel, w));
    expect(plan.sends.map((s) => s.key)).toEqual([`S00/0${max + 1}/pos-client`]);
    rel = plan.release;
    expect(sentKeys(rel).filter((k) => k.startsWith("S00/"))).toHaveLength(max + 1);
  });

  it("a failed till holds the rest of its store; other stores go on", () => {
    const w = world(fleet(3, 3));
    let rel = start({ maxPerStore: max, errorThreshold: "50%", successThreshold: "10%" }, w);
    answer(rel, w, "S00/01/pos-client", "Failed");
    for (let t = 1; t <= max; t++) answer(rel, w, `S01/0${t}/pos-client`, "OK");
    const plan = planRelease(input(rel, w));
    expect(plan.sends.every((s) => !s.key.startsWith("S00/"))).toBe(true);
    expect(plan.sends.map((s) => s.key)).toContain(`S01/0${max + 1}/pos-client`);
    rel = plan.release;
    const view = viewRelease(rel, (k) => w.observations.get(k), w.now);
    expect(view.stages[0]?.counts.held).toBe(3 - max);
    expect(view.stages[0]?.counts.Failed).toBe(1);
  });
});

describe("maxPerStore after a retry", () => {
  it("the retried till holds its store until it is OK; then the held tills go one by one", () => {
    const w = world(fleet(1, 3));
    const rel = start({ maxPerStore: 1 }, w);
    answer(rel, w, "S00/01/pos-client", "Failed");
    const failed = planRelease(input(rel, w)).release;
    expect(failed.state).toBe("Failed");
    const retried = planOperation(input(failed, w), { kind: "retry" }, ALICE);
    if (!retried.ok) throw new Error(retried.error);
    expect(retried.value.sends.map((s) => [s.key, s.requestId])).toEqual([
      ["S00/01/pos-client", "rel7-0-0-2"],
    ]);
    const again = retried.value.release;
    expect(planRelease(input(again, w)).sends).toEqual([]);
    answer(again, w, "S00/01/pos-client", "OK");
    expect(planRelease(input(again, w)).sends.map((s) => s.key)).toEqual(["S00/02/pos-client"]);
  });
});
