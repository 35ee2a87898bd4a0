import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DesiredDocument, MaintenanceDocument } from "@tillroll/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Reporter } from "../../src/engine/reporter.js";
import { StateStore } from "../../src/engine/state-store.js";

/**
 * The maintenance document the reporter queues (issue 13): the union of the
 * operator's switch and the update, with a store server's scope, and the
 * store-wide "off" the store's other tills need. Real state file, no broker
 * (the documents wait in the persisted outbox).
 */
describe("Reporter: maintenance documents", () => {
  let dir: string;
  let store: StateStore;
  let reporter: Reporter;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "tillroll-reporter-"));
    store = await StateStore.open(join(dir, "state"), () => undefined);
    reporter = new Reporter({
      store,
      ids: { store: "1001", workstation: "02" },
      topicRoot: "tillroll/v1",
      stateDir: join(dir, "state"),
      agentVersion: "0.1.0",
      now: () => Date.parse("2026-11-30T10:00:00.000Z"),
      log: () => undefined,
    });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const queued = (): Partial<MaintenanceDocument>[] =>
    store.state.outbox
      .filter((entry) => entry.topic === "tillroll/v1/ws/1001/02/maintenance")
      .map((entry) => {
        const { active, functions, scope } = JSON.parse(entry.payload) as MaintenanceDocument;
        return { active, functions, ...(scope === undefined ? {} : { scope }) };
      });

  function operator(active: boolean): void {
    store.state.desired = {
      schema: 1,
      seq: 1,
      ts: "2026-11-30T10:00:00.000Z",
      store: "1001",
      workstation: "02",
      services: {},
      maintenance: { active, functions: [], reason: "stock-taking", by: "rita" },
    } satisfies DesiredDocument;
  }

  it("a store server's update: on and off both say scope store; the seq is the document's", async () => {
    const seq = await reporter.setMaintenance(true, ["store-server"], "updating", "store");
    expect(reporter.updateMaintenanceOn).toBe(true);
    await reporter.setMaintenance(false, [], null);
    expect(queued()).toEqual([
      { active: true, functions: ["store-server"], scope: "store" },
      { active: false, functions: [], scope: "store" },
    ]);
    const first = JSON.parse(store.state.outbox[0]?.payload ?? "{}") as MaintenanceDocument;
    expect(first.seq).toBe(seq);
  });

  it("the store's update ends while the operator's switch is on: a store-wide off first, then this till's on", async () => {
    operator(true);
    await reporter.setMaintenance(true, ["store-server"], "updating", "store");
    await reporter.setMaintenance(false, [], null);
    expect(queued()).toEqual([
      { active: true, functions: [], scope: "store" },
      { active: false, functions: [], scope: "store" },
      { active: true, functions: [] },
    ]);
  });

  it("the operator's switch is published when it changes, and only then", async () => {
    await reporter.setMaintenance(false, [], null); // start-up
    await reporter.operatorMaintenanceChanged(); // nothing changed
    operator(true);
    await reporter.operatorMaintenanceChanged();
    await reporter.operatorMaintenanceChanged(); // the same again
    operator(false);
    await reporter.operatorMaintenanceChanged();
    expect(queued()).toEqual([
      { active: false, functions: [] },
      { active: true, functions: [] },
      { active: false, functions: [] },
    ]);
  });
});
