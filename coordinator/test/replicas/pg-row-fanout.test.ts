// Issue 14 (replicas): two PostgreSQL stores on one database, as two replicas. What one
// writes to the fleet rows (a status batch, a console upsert, a removal) shows in the
// other's memory mirror within moments, and the other's onRemoteRows hears the keys (the
// console's live feed); a store never hears its own changes back.

import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { startPostgres } from "../../../test/support/postgres.js";
import type { NewNotice } from "../../src/notices/outbox.js";
import type { PgCoordinatorStore } from "../../src/store/pg/open-pg-store.js";
import { record, ref, row } from "../store/conformance-fixtures.js";
import { twoStores } from "./two-stores.js";

beforeAll(() => startPostgres(), 120_000);

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function twoReplicas(): Promise<[PgCoordinatorStore, PgCoordinatorStore]> {
  const { a, b } = await twoStores(cleanups, "fanout");
  return [a, b];
}

async function until(check: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("fleet rows fanned out between replicas", () => {
  it("a status batch, a console upsert and a removal on one show on the other", async () => {
    const [a, b] = await twoReplicas();
    const heardA: string[] = [];
    const heardB: string[] = [];
    a.onRemoteRows((keys) => heardA.push(...keys));
    b.onRemoteRows((keys) => heardB.push(...keys));

    await a.fleet.recordStatus({
      ref: ref("1001", "01"),
      seq: 1,
      rows: [row("1001", "01", "pos-client", { status: "Failed" })],
    });
    await until(async () => (await b.fleet.get("1001/01/pos-client"))?.status === "Failed");
    expect(heardB).toContain("1001/01/pos-client");
    expect(b.fleet.table.get("1001/01/pos-client")?.status).toBe("Failed");

    await b.fleet.upsertRows([row("1002", "01", "kiosk", { preferredVersion: "2.0.0" })]);
    await until(async () => (await a.fleet.get("1002/01/kiosk"))?.preferredVersion === "2.0.0");
    expect(heardA).toEqual(["1002/01/kiosk"]);

    await a.fleet.removeRowsOf(ref("1001", "01"));
    await until(async () => (await b.fleet.get("1001/01/pos-client")) === undefined);
    expect(heardB.filter((key) => key === "1001/01/pos-client")).toHaveLength(2);
    // Neither heard its own changes back.
    expect(heardA).not.toContain("1001/01/pos-client");
    expect(heardB).not.toContain("1002/01/kiosk");
  });

  it("a row this replica changed and has not written yet is not replaced by an older one", async () => {
    const [a, b] = await twoReplicas();
    await a.fleet.upsertRows([row("1001", "01", "pos-client", { status: "OK" })]);
    await until(async () => (await b.fleet.get("1001/01/pos-client")) !== undefined);
    // b's newer report waits for its batch; a's console write of the same row lands first.
    await b.fleet.recordStatus({
      ref: ref("1001", "01"),
      seq: 2,
      rows: [row("1001", "01", "pos-client", { status: "In Progress" })],
    });
    let notices = 0;
    b.onRemoteRows(() => notices++);
    await a.fleet.upsertRows([row("1001", "01", "pos-client", { status: "OK", reason: "a" })]);
    // b read a's row back (or found its own batch written): its newer row still shows.
    await until(() => notices > 0);
    expect(b.fleet.table.get("1001/01/pos-client")?.status).toBe("In Progress");
    await b.fleet.flush();
    // Both end on the last write to the database: b's batch.
    await until(async () => (await a.fleet.get("1001/01/pos-client"))?.status === "In Progress");
    expect((await b.fleet.get("1001/01/pos-client"))?.status).toBe("In Progress");
  });

  it("a store opened later starts from the database and hears later changes", async () => {
    const [a, b] = await twoReplicas();
    const rows = Array.from({ length: 300 }, (_, i) => row("2000", String(i).padStart(3, "0")));
    await a.fleet.upsertRows(rows);
    await until(() => b.fleet.table.size === 300);
  });
});

function notice(key: string): NewNotice {
  return {
    id: `id-${key}`,
    key,
    event: "task.planned",
    at: new Date().toISOString(),
    data: { key },
    deliveries: [{ receiver: "webhook:1", to: null, doneAt: null, dropped: null }],
  };
}

describe("the other mirrors follow the other replica", () => {
  it("workstations: an enrolment, a rekey and a removal show in the other's broker lookup", async () => {
    const [a, b] = await twoReplicas();
    expect((await a.workstations.enrol([record("1001", "01")])).ok).toBe(true);
    await until(() => b.workstations.peek(ref("1001", "01")) !== undefined);
    // b refuses the same till: its mirror knows it is taken.
    expect((await b.workstations.enrol([record("1001", "01")])).ok).toBe(false);
    await a.workstations.rekey(ref("1001", "01"), {
      agentSecretHash: "new-agent",
      posSecretHash: "new-pos",
    });
    await until(() => b.workstations.peek(ref("1001", "01"))?.agentSecretHash === "new-agent");
    // A till removed on a and enrolled again counts its status seqs afresh on b too.
    await b.fleet.recordStatus({ ref: ref("1001", "01"), seq: 40, rows: [] });
    await a.workstations.remove(ref("1001", "01"));
    await until(() => b.workstations.peek(ref("1001", "01")) === undefined);
    expect(await b.fleet.lastStatusSeq(ref("1001", "01"))).toBeUndefined();
  });

  it("webhooks and the notices outbox: added on one, seen and settled on the other", async () => {
    const [a, b] = await twoReplicas();
    const hook = await a.webhooks.add((id) => ({
      id,
      url: "http://127.0.0.1:9/hook",
      secret: "s",
      events: null,
      createdBy: "admin",
      createdAt: new Date().toISOString(),
    }));
    await until(() => b.webhooks.get(hook.id) !== undefined);
    await a.webhooks.remove(hook.id);
    await until(() => b.webhooks.get(hook.id) === undefined);

    // A follower adds; the leader's worker sees it, delivers, and the follower sees it settled.
    const [added] = await b.outbox.add([notice("n1")]);
    await until(() => a.outbox.head("webhook:1")?.key === "n1");
    await a.outbox.markDone(added?.seq ?? 0, "webhook:1");
    await until(() => b.outbox.pendingReceivers().length === 0);
    expect(b.outbox.has("n1")).toBe(true);
  });

  it("two replicas adding notices at once both keep theirs (a taken seq is read and retried)", async () => {
    const [a, b] = await twoReplicas();
    const [fromA, fromB] = await Promise.all([
      a.outbox.add([notice("from-a")]),
      b.outbox.add([notice("from-b")]),
    ]);
    expect(fromA?.[0]?.seq).not.toBe(fromB?.[0]?.seq);
    await until(() => a.outbox.has("from-b") && b.outbox.has("from-a"));
  });
});
