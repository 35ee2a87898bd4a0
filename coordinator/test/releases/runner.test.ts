// The release executor on real files with a stand-in planner: a release moves through pilot,
// an approval and the rest on status rows alone; reports are coalesced into one plan; the
// record is durable before anything is published; events are emitted and logged.

import { afterEach, describe, expect, it } from "vitest";
import type { ReleaseEvent } from "../../src/releases/release-model.js";
import { ReleaseRunner } from "../../src/releases/release-runner.js";
import type { ReleaseStore } from "../../src/store/release-store.js";
import { type Harness, keyOf, makeHarness, spec, T0 } from "./runner-harness.js";
import {
  standInNewRelease,
  standInPlanner,
  standInPlanRelease,
  standInRequestId,
} from "./stand-in-planner.js";

const ANNA = { name: "anna", approvalRefused: null };
const BERT = { name: "bert", approvalRefused: null };

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

async function setUp(overrides: Parameters<typeof spec>[0] = {}) {
  h = await makeHarness();
  await h.crash();
  await h.open({ planner: standInPlanner });
  await h.runner.start();
  const release = await h.store.releases.create((id) =>
    standInNewRelease(id, spec(overrides), "anna", T0),
  );
  h.runner.created(release);
  return h;
}

const pilotKeys = [keyOf("1001", "01"), keyOf("1001", "02")];
const restKeys = [
  keyOf("1002", "01"),
  keyOf("1002", "02"),
  keyOf("1003", "01"),
  keyOf("1003", "02"),
];

describe("release runner", () => {
  it("moves a release through pilot, approval wait, approve, rest, Successful on status rows", async () => {
    const t = await setUp();
    const events: ReleaseEvent[] = [];
    t.runner.events.on((event) => events.push(event));

    const started = await t.runner.operate("1", { kind: "start" }, ANNA);
    expect(started.ok).toBe(true);
    expect(t.published.map((p) => [p.topic, p.requestId])).toEqual([
      ["tillroll/v1/ws/1001/01/desired", standInRequestId("1", 0, 0, 1)],
      ["tillroll/v1/ws/1001/02/desired", standInRequestId("1", 0, 1, 1)],
    ]);
    // The members are held: set-preferred and retry skip them.
    expect(t.runner.holding(pilotKeys[0] as string)).toEqual({ id: "1", name: spec().name });
    expect(t.runner.holding(restKeys[0] as string)).toBeUndefined();
    // The rows show the request at once (Prepared), before any agent answered.
    expect((await t.store.fleet.get(pilotKeys[0] as string))?.status).toBe("Prepared");

    for (const key of pilotKeys) await t.report(key, "In Progress", "1.0.0");
    await t.settle();
    expect((await t.store.releases.get("1"))?.stages[0]?.state).toBe("Running");
    for (const key of pilotKeys) await t.report(key, "OK", "1.1.0");
    await t.settle();
    let release = await t.store.releases.get("1");
    expect(release?.stages.map((s) => s.state)).toEqual(["Successful", "Waiting for approval"]);
    expect(t.published).toHaveLength(2);

    const approved = await t.runner.operate("1", { kind: "approve", comment: "pilot fine" }, BERT);
    expect(approved.ok).toBe(true);
    expect(t.published.slice(2).map((p) => p.topic)).toEqual([
      "tillroll/v1/ws/1002/01/desired",
      "tillroll/v1/ws/1002/02/desired",
      "tillroll/v1/ws/1003/01/desired",
      "tillroll/v1/ws/1003/02/desired",
    ]);
    for (const key of restKeys) await t.report(key, "OK", "1.1.0");
    await t.settle();
    release = await t.store.releases.get("1");
    expect(release?.state).toBe("Successful");
    expect(release?.decisions.map((d) => [d.who, d.verdict, d.comment])).toEqual([
      ["bert", "approved", "pilot fine"],
    ]);
    // Ended: it holds no rows any more.
    expect(t.runner.holding(pilotKeys[0] as string)).toBeUndefined();

    // No row was sent twice, and every request id is the member's.
    const requests = t.published.map((p) => p.requestId);
    expect(new Set(requests).size).toBe(6);
    expect(new Set(t.published.map((p) => p.topic)).size).toBe(6);

    expect(events.map((e) => `${e.type} ${"stage" in e ? e.stage : e.state}`)).toEqual([
      "stage-started pilot",
      "stage-ended pilot",
      "stage-waiting rest",
      "stage-started rest",
      "stage-ended rest",
      "release-ended Successful",
    ]);
    const log = t.logs.join("\n");
    expect(log).toContain("release 1: Ready -> Running (started) by anna");
    expect(log).toContain(
      "release 1: stage pilot Running -> Successful (every row OK) by release runner",
    );
    expect(log).toContain("release 1: stage pilot started with 2 row(s)");
    expect(log).toContain(
      "release 1: Running -> Successful (every stage Successful) by release runner",
    );
  });

  it("coalesces the reports of one turn into one plan, and ignores rows of no release", async () => {
    const t = await setUp();
    await t.runner.operate("1", { kind: "start" }, ANNA);
    await t.crash();
    let plans = 0;
    await t.open({
      planner: {
        ...standInPlanner,
        planRelease: (input) => {
          plans += 1;
          return standInPlanRelease(input);
        },
      },
    });
    await t.runner.start();
    plans = 0;
    for (const key of pilotKeys) await t.report(key, "In Progress", "1.0.0");
    for (const key of restKeys) await t.report(key, "OK", "1.0.0");
    // Nothing is planned while the reports come in: a plan waits for the next turn.
    expect(plans).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Two member reports, one plan; the four reports of rows in no release planned nothing.
    expect(plans).toBe(1);
    for (const key of restKeys) await t.report(key, "OK", "1.0.0");
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(plans).toBe(1);
  });

  it("a save that fails publishes nothing and leaves the release as it was; the next plan sends once", async () => {
    const t = await setUp({
      stages: [
        { name: "pilot", target: { store: ["1001"] }, checkpoint: "none" },
        { name: "rest", checkpoint: "none" },
      ],
    });
    await t.runner.operate("1", { kind: "start" }, ANNA);
    await t.runner.close();
    let failing = true;
    const releases: ReleaseStore = {
      create: (make) => t.store.releases.create(make),
      save: (record) =>
        failing ? Promise.reject(new Error("ENOSPC: disk full")) : t.store.releases.save(record),
      get: (id) => t.store.releases.get(id),
      list: () => t.store.releases.list(),
    };
    t.runner = new ReleaseRunner({ ...t.runnerDeps, releases });
    await t.runner.start();
    const before = await t.store.releases.get("1");
    const sent = t.published.length;
    for (const key of pilotKeys) await t.report(key, "OK", "1.1.0");
    await new Promise((resolve) => setImmediate(resolve));
    await t.runner.evaluate("1");
    expect(t.published).toHaveLength(sent);
    expect(await t.store.releases.get("1")).toEqual(before);
    expect(
      (await t.store.desired.servicesOf({ store: "1002", workstation: "01" }))["pos-client"],
    ).toBeUndefined();
    expect(t.logs.join("\n")).toMatch(/release 1: not planned: ENOSPC: disk full; trying again/);

    failing = false;
    await t.runner.evaluate("1");
    await t.runner.evaluate("1");
    expect(t.published.slice(sent).map((p) => p.topic)).toEqual([
      "tillroll/v1/ws/1002/01/desired",
      "tillroll/v1/ws/1002/02/desired",
      "tillroll/v1/ws/1003/01/desired",
      "tillroll/v1/ws/1003/02/desired",
    ]);
    expect((await t.store.releases.get("1"))?.stages[1]?.state).toBe("Running");
  });

  it("emits to every listener; one that throws is logged and the others still hear", async () => {
    const t = await setUp();
    const heard: string[] = [];
    t.runner.events.on(() => {
      throw new Error("webhook down");
    });
    const off = t.runner.events.on((event) => heard.push(event.type));
    await t.runner.operate("1", { kind: "start" }, ANNA);
    off();
    for (const key of pilotKeys) await t.report(key, "OK", "1.1.0");
    await t.settle();
    expect(heard).toEqual(["stage-started"]);
    expect(t.logs.join("\n")).toMatch(/a stage-started listener failed: Error: webhook down/);
  });

  it("refusals of the planner change nothing and send nothing", async () => {
    const t = await setUp();
    const refused = await t.runner.operate("1", { kind: "approve", comment: "x" }, BERT);
    expect(refused.ok).toBe(false);
    expect(t.published).toEqual([]);
    expect((await t.store.releases.get("1"))?.state).toBe("Ready");
    expect(await t.runner.operate("9", { kind: "start" }, ANNA)).toEqual({
      ok: false,
      error: "no release task 9",
    });
  });
});
