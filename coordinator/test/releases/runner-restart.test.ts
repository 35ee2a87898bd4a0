// kill -9 between saving a release and publishing its sends: the next start applies the
// missing sends exactly once, with the same request ids; the soak of OK rows starts again.

import { afterEach, describe, expect, it } from "vitest";
import { ReleaseRunner } from "../../src/releases/release-runner.js";
import { type Harness, keyOf, makeHarness, spec, T0 } from "./runner-harness.js";
import { standInNewRelease, standInPlanner, standInRequestId } from "./stand-in-planner.js";

const ANNA = { name: "anna", approvalRefused: null };
const pilotKeys = [keyOf("1001", "01"), keyOf("1001", "02")];

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

/** A runner whose applier fails once, after the release was saved (the publish never happens). */
async function crashAfterSave(t: Harness): Promise<void> {
  await t.runner.close();
  let failures = 1;
  t.runner = new ReleaseRunner({
    ...t.runnerDeps,
    apply: async (changes) => {
      if (failures > 0) {
        failures -= 1;
        throw new Error("killed between save and publish");
      }
      return t.runnerDeps.apply(changes);
    },
  });
  await t.runner.start();
}

async function setUp(): Promise<Harness> {
  const t = await makeHarness();
  h = t;
  await t.crash();
  await t.open({ planner: standInPlanner });
  await t.runner.start();
  const release = await t.store.releases.create((id) => standInNewRelease(id, spec(), "anna", T0));
  t.runner.created(release);
  return t;
}

describe("release runner after a crash", () => {
  it("applies the sends saved but not published exactly once, with the same request ids", async () => {
    const t = await setUp();
    await crashAfterSave(t);
    await expect(t.runner.operate("1", { kind: "start" }, ANNA)).rejects.toThrow(
      /killed between save and publish/,
    );
    // Saved: the release runs and its members were sent, as far as the record knows.
    const saved = await t.store.releases.get("1");
    expect(saved?.state).toBe("Running");
    expect(saved?.stages[0]?.members.map((m) => m.requestId)).toEqual([
      standInRequestId("1", 0, 0, 1),
      standInRequestId("1", 0, 1, 1),
    ]);
    expect(t.published).toEqual([]);

    await t.crash();
    await t.open({ planner: standInPlanner });
    await t.runner.start();
    expect(t.published).toEqual([
      {
        topic: "tillroll/v1/ws/1001/01/desired",
        requestId: standInRequestId("1", 0, 0, 1),
        version: "1.1.0",
      },
      {
        topic: "tillroll/v1/ws/1001/02/desired",
        requestId: standInRequestId("1", 0, 1, 1),
        version: "1.1.0",
      },
    ]);
    expect(t.logs.join("\n")).toMatch(/release 1: 2 send\(s\) saved but not published/);
    // The record is the one saved: the stage did not start twice.
    expect(await t.store.releases.get("1")).toEqual(saved);

    // Another restart finds nothing missing: nothing is sent again.
    await t.crash();
    await t.open({ planner: standInPlanner });
    await t.runner.start();
    expect(t.published).toHaveLength(2);

    // And the release goes on from there.
    for (const key of pilotKeys) await t.report(key, "OK", "1.1.0");
    await t.settle();
    expect((await t.store.releases.get("1"))?.stages.map((s) => s.state)).toEqual([
      "Successful",
      "Waiting for approval",
    ]);
    expect(t.published).toHaveLength(2);
  });

  it("a failed publish is applied again with the next plan, without a restart", async () => {
    const t = await setUp();
    await crashAfterSave(t);
    await expect(t.runner.operate("1", { kind: "start" }, ANNA)).rejects.toThrow();
    await t.runner.evaluate("1");
    expect(t.published.map((p) => p.requestId)).toEqual([
      standInRequestId("1", 0, 0, 1),
      standInRequestId("1", 0, 1, 1),
    ]);
    await t.runner.evaluate("1");
    expect(t.published).toHaveLength(2);
  });

  it("on start an active release holds its rows again and its OK rows soak from now", async () => {
    const t = await setUp();
    await t.runner.operate("1", { kind: "start" }, ANNA);
    await t.report(pilotKeys[0] as string, "OK", "1.1.0");
    t.clock.now = T0 + 60_000;
    await t.crash();
    expect((await t.store.releases.get("1"))?.stages[0]?.state).toBe("Running");
    t.clock.now = T0 + 120_000;
    await t.open({ planner: standInPlanner });
    await t.runner.start();
    expect(t.runner.holding(pilotKeys[1] as string)).toEqual({ id: "1", name: spec().name });
    const release = await t.store.releases.get("1");
    if (release === undefined) throw new Error("release lost");
    const observe = await t.runner.observer(release);
    expect(observe(pilotKeys[0] as string)?.okSince).toBe(T0 + 120_000);
    expect(observe(pilotKeys[1] as string)?.okSince).toBeNull();
    // A report of another status breaks the soak; OK again starts it anew.
    t.clock.now = T0 + 180_000;
    await t.report(pilotKeys[0] as string, "Failed", "1.1.0");
    await t.report(pilotKeys[0] as string, "OK", "1.1.0");
    expect((await t.runner.observer(release))(pilotKeys[0] as string)?.okSince).toBe(T0 + 180_000);
  });
});
