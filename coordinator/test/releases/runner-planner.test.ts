// The executor with the real planner, document and views, through ReleaseOperations: the
// issue's example on 3 stores × 2 tills driven by status rows alone, maxPerStore kept, a
// crash between save and publish, a failing version rolled back.

import { afterEach, describe, expect, it } from "vitest";
import type { Operator } from "../../src/accounts/identity.js";
import { ReleaseOperations } from "../../src/operations/release-operations.js";
import type { ReleaseSpec } from "../../src/releases/release-model.js";
import { ReleaseRunner } from "../../src/releases/release-runner.js";
import { parseReleaseSpec } from "../../src/releases/release-spec.js";
import { type Harness, keyOf, makeHarness } from "./runner-harness.js";

const ANNA: Operator = { name: "anna", role: "operator", scope: null };
const BERT: Operator = { name: "bert", role: "approver", scope: null };

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

function document(extra: Record<string, unknown> = {}): ReleaseSpec {
  const parsed = parseReleaseSpec({
    name: "pos-client 1.1.0 spring",
    function: "pos-client",
    version: "1.1.0",
    target: { group: ["DE"] },
    stages: [
      { name: "pilot", target: { store: ["1001"] } },
      { name: "rest", checkpoint: "approval" },
    ],
    ...extra,
  });
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

async function setUp() {
  const t = await makeHarness();
  h = t;
  await t.runner.start();
  const ops = () =>
    new ReleaseOperations({
      releases: t.store.releases,
      runner: t.runner,
      audit: t.store.audit,
      now: () => t.clock.now,
    });
  return { t, ops };
}

const PILOT = [keyOf("1001", "01"), keyOf("1001", "02")];
const REST = [keyOf("1002", "01"), keyOf("1002", "02"), keyOf("1003", "01"), keyOf("1003", "02")];

/** Plays the agents of `keys`: each takes the request it was sent and ends OK on 1.1.0. */
async function install(t: Harness, keys: readonly string[]) {
  for (const key of keys) await t.report(key, "In Progress", "1.0.0");
  await t.settle();
  for (const key of keys) await t.report(key, "OK", "1.1.0");
  await t.settle();
}

describe("release runner with the real planner", () => {
  it("pilot, approval wait, approve, rest, Successful; every row sent once", async () => {
    const { t, ops } = await setUp();
    const created = await ops().create(document(), ANNA);
    expect(created.ok && created.value.state).toBe("Ready");
    const started = await ops().operate("1", { kind: "start" }, ANNA);
    expect(
      started.ok && started.value.stages.map((s) => [s.name, s.state, s.counts.total]),
    ).toEqual([
      ["pilot", "Running", 2],
      ["rest", "Pending", 0],
    ]);
    expect(t.published.map((p) => p.topic)).toEqual([
      "tillroll/v1/ws/1001/01/desired",
      "tillroll/v1/ws/1001/02/desired",
    ]);
    await install(t, PILOT);
    const waiting = await ops().show("1", BERT);
    expect(waiting.ok && waiting.value.stages.map((s) => s.state)).toEqual([
      "Successful",
      "Waiting for approval",
    ]);
    // The other stores are untouched while the approval waits.
    expect(t.published).toHaveLength(2);
    expect((await ops().operate("1", { kind: "approve", comment: "pilot fine" }, ANNA)).ok).toBe(
      false,
    );
    const approved = await ops().operate("1", { kind: "approve", comment: "pilot fine" }, BERT);
    expect(approved.ok && approved.value.stages[1]?.state).toBe("Running");
    expect(
      t.published
        .slice(2)
        .map((p) => p.topic)
        .sort(),
    ).toEqual(
      REST.map((key) => `tillroll/v1/ws/${key.split("/").slice(0, 2).join("/")}/desired`).sort(),
    );
    await install(t, REST);
    const done = await ops().show("1", BERT);
    expect(done.ok && done.value.state).toBe("Successful");
    expect(done.ok && done.value.stages.map((s) => s.counts.OK)).toEqual([2, 4]);
    const topics = t.published.map((p) => p.topic);
    expect(new Set(topics).size).toBe(topics.length);
    expect(new Set(t.published.map((p) => p.requestId)).size).toBe(6);
    expect(t.logs.join("\n")).toMatch(
      /release 1: stage pilot Running -> Successful \(.+\) by release runner/,
    );
  });

  it("maxPerStore 1: a store's second till is sent only once its first is OK", async () => {
    const { t, ops } = await setUp();
    await ops().create(
      document({ stages: [{ name: "all" }], maxPerStore: 1, target: { group: ["DE"] } }),
      ANNA,
    );
    await ops().operate("1", { kind: "start" }, ANNA);
    const firstWave = t.published.map((p) => p.topic.split("/").slice(3, 6).join("/"));
    expect(firstWave).toEqual(["1001/01/desired", "1002/01/desired", "1003/01/desired"]);
    await install(t, [keyOf("1001", "01")]);
    expect(t.published.slice(3).map((p) => p.topic)).toEqual(["tillroll/v1/ws/1001/02/desired"]);
    await install(t, [keyOf("1002", "01"), keyOf("1003", "01"), keyOf("1001", "02")]);
    await install(t, [keyOf("1002", "02"), keyOf("1003", "02")]);
    const done = await ops().show("1", ANNA);
    expect(done.ok && done.value.state).toBe("Successful");
    expect(t.published).toHaveLength(6);
  });

  it("killed between save and publish: the next start sends the saved requests once", async () => {
    const { t, ops } = await setUp();
    await ops().create(document(), ANNA);
    await t.runner.close();
    t.runner = new ReleaseRunner({
      ...t.runnerDeps,
      apply: async () => {
        throw new Error("killed");
      },
    });
    await t.runner.start();
    await expect(ops().operate("1", { kind: "start" }, ANNA)).rejects.toThrow(/killed/);
    const saved = await t.store.releases.get("1");
    expect(saved?.stages[0]?.members.map((m) => m.requestId)).toEqual(["rel1-0-0-1", "rel1-0-1-1"]);
    expect(t.published).toEqual([]);
    await t.crash();
    await t.open();
    await t.runner.start();
    expect(t.published.map((p) => p.requestId)).toEqual(["rel1-0-0-1", "rel1-0-1-1"]);
    await install(t, PILOT);
    expect((await t.store.releases.get("1"))?.stages[1]?.state).toBe("Waiting for approval");
    expect(t.published).toHaveLength(2);
  });

  it("a failing version pauses the release at the pilot; rollback brings the previous version", async () => {
    const { t, ops } = await setUp();
    await ops().create(
      document({ stages: [{ name: "pilot", target: { store: ["1001"] } }, { name: "rest" }] }),
      ANNA,
    );
    await ops().operate("1", { kind: "start" }, ANNA);
    await t.report(PILOT[0] as string, "Rolled Back", "1.0.0", "health check failed");
    await t.settle();
    const failed = await t.store.releases.get("1");
    expect(failed?.state).toBe("Failed");
    expect(failed?.stages.map((s) => s.state)).toEqual(["Failed", "Pending"]);
    // Held while Failed: still the release's.
    expect(t.runner.holding(PILOT[0] as string)?.id).toBe("1");
    await t.report(PILOT[1] as string, "OK", "1.1.0");
    await t.settle();
    const rolledBack = await ops().operate("1", { kind: "rollback" }, ANNA);
    expect(rolledBack.ok && rolledBack.value.state).toBe("Rolled Back");
    const sent = t.published.slice(2);
    expect(sent.map((p) => [p.version, p.requestId])).toEqual([
      ["1.0.0", "rel1-rb-0-0"],
      ["1.0.0", "rel1-rb-0-1"],
    ]);
    expect(t.runner.holding(PILOT[0] as string)).toBeUndefined();
    // A restart finds nothing missing.
    await t.crash();
    await t.open();
    await t.runner.start();
    expect(t.published).toHaveLength(4);
  });

  it("wakes by itself when a soak is over and when a row times out", async () => {
    const { t, ops } = await setUp();
    await ops().create(
      document({
        stages: [{ name: "pilot", target: { store: ["1001"] } }, { name: "rest" }],
        soak: "1s",
        stageTimeout: "1s",
      }),
      ANNA,
    );
    await ops().operate("1", { kind: "start" }, ANNA);
    await install(t, PILOT);
    expect((await t.store.releases.get("1"))?.stages[0]?.state).toBe("Running");
    // No report comes; the plan's wakeAt does it.
    t.clock.now += 1_000;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const soaked = await t.store.releases.get("1");
    expect(soaked?.stages.map((s) => s.state)).toEqual(["Successful", "Running"]);
    // The rest was sent and nobody answers: after stageTimeout the rows time out.
    t.clock.now += 1_000;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const timedOut = await t.store.releases.get("1");
    expect(timedOut?.state).toBe("Failed");
    expect(timedOut?.stages[1]?.state).toBe("Failed");
    expect(t.logs.join("\n")).toMatch(/release 1: stage rest Running -> Failed/);
  });
});
