// A JSON data folder with several records of every kind the coordinator keeps, written
// through the store's own interfaces (what a running coordinator would have left), and a
// dump of a store through its interfaces, for comparing two stores.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { InstallLogLine } from "@tillroll/protocol";
import { OperatorDirectory } from "../../src/accounts/operators.js";
import type { NewNotice } from "../../src/notices/outbox.js";
import type { Blackout } from "../../src/schedules/schedule-model.js";
import type { CoordinatorStore } from "../../src/store/index.js";
import type { InstallLogRow } from "../../src/store/install-log-store.js";
import { JsonCoordinatorStore } from "../../src/store/json/json-store.js";
import { FAST_SCRYPT } from "../accounts/helpers.js";
import { buildPack, descriptorFor, type Workspace } from "../packs/pack-fixtures.js";
import { DE_WINDOW_SETTING } from "../schedules/schedule-fixtures.js";
import { audit, entry, record, ref, releaseRecord, row } from "./conformance-fixtures.js";

export const NOW = Date.parse("2026-11-30T09:00:00.000Z");
const AT = new Date(NOW).toISOString();

/** The install-log rows the fixture writes to. */
export const LOG_ROWS: readonly InstallLogRow[] = [
  { store: "1001", workstation: "01", function: "pos-client" },
  { store: "1001", workstation: "01", function: "scale" },
  { store: "2002", workstation: "07", function: "pos-client" },
];

const blackout = (id: string): Blackout => ({
  id,
  from: "2026-12-20T00:00:00.000Z",
  to: "2026-12-27T00:00:00.000Z",
  reason: `freeze ${id}`,
  group: null,
  createdBy: "admin",
  createdAt: AT,
});

function notice(key: string, receivers: string[]): NewNotice {
  return {
    id: `id-${key}`,
    key,
    event: "task.planned",
    at: AT,
    data: { key, task: { id: "1" } },
    deliveries: receivers.map((receiver) => ({
      receiver,
      to: receiver === "mail" ? ["nord@example.com"] : null,
      doneAt: null,
      dropped: null,
    })),
  };
}

function logLine(seq: number, fn: string): InstallLogLine {
  return {
    schema: 1,
    seq,
    ts: new Date(NOW - 60_000 + seq).toISOString(),
    function: fn,
    version: "1.1.0",
    requestId: seq % 2 === 0 ? "r-2" : "r-1",
    level: seq === 3 ? "error" : "info",
    source: "beforeInstall",
    stream: "stdout",
    line: `line ${seq}`,
  };
}

/** Fills `ws.data` as a coordinator would have; the store is closed after. */
export async function fillJsonStore(ws: Workspace): Promise<void> {
  writeFileSync(join(ws.data, "operator-token"), "legacy-token\n", { mode: 0o600 });
  const store = await JsonCoordinatorStore.open({
    dir: ws.data,
    log: () => undefined,
    now: () => NOW,
    packs: { tmpDir: ws.staging, now: () => new Date(NOW) },
  });
  try {
    await fillStore(store, ws);
  } finally {
    await store.close();
  }
}

async function fillStore(store: CoordinatorStore, ws: Workspace): Promise<void> {
  // Workstations, one with capabilities, and one removed (its seq must not come back).
  await store.workstations.enrol([
    record("1001", "01", "DE/North"),
    record("1001", "02", "DE/North"),
    record("2002", "07", "PT"),
    record("3003", "01"),
  ]);
  await store.workstations.setCapabilities(ref("1001", "01"), ["recipe", "drain"]);
  await store.workstations.remove(ref("3003", "01"));
  // Desired entries (several seqs reserved) and document fields.
  await store.desired.applyChange({
    entries: [
      { ref: ref("1001", "01"), function: "pos-client", entry: entry("1.1.0") },
      { ref: ref("1001", "01"), function: "scale", entry: entry("2.0.0") },
      { ref: ref("1001", "02"), function: "pos-client", entry: entry(null) },
    ],
    documents: 2,
  });
  await store.desired.setFields(ref("2002", "07"), {
    maintenance: { active: true, functions: [], reason: "till swap", by: "anna" },
  });
  await store.desired.reserveSeqs(3);
  // Fleet rows from status reports (with their seqs) and an operator's change.
  await store.fleet.recordStatus({
    ref: ref("1001", "01"),
    seq: 41,
    rows: [row("1001", "01"), row("1001", "01", "scale", { activeVersion: "2.0.0" })],
  });
  await store.fleet.recordStatus({ ref: ref("2002", "07"), seq: 9, rows: [row("2002", "07")] });
  await store.fleet.upsertRows([row("1001", "02", "pos-client", { status: "Prepared" })]);
  await store.fleet.flush();
  // Releases 1-3.
  for (let i = 0; i < 3; i++) await store.releases.create((id) => releaseRecord(id));
  const second = await store.releases.get("2");
  if (second !== undefined) await store.releases.save({ ...second, state: "Running" });
  // Schedules: a window, a store setting, blackouts 1-2 with 2 removed, owed notices.
  await store.schedules.setWindow(DE_WINDOW_SETTING);
  await store.schedules.setStore({
    store: "1001",
    tz: "Europe/Berlin",
    contact: "store1001@example.com",
    setBy: "anna",
    setAt: AT,
  });
  await store.schedules.addBlackout(blackout);
  await store.schedules.addBlackout(blackout, (b) => ({
    key: `blackout${b.id}-announced`,
    notice: {
      event: "blackout.announced",
      blackout: { id: b.id, from: b.from, to: b.to, reason: b.reason, group: b.group },
      by: "admin",
    },
  }));
  await store.schedules.removeBlackout("2", (b) => ({
    key: `blackout${b.id}-removed`,
    notice: {
      event: "blackout.removed",
      blackout: { id: b.id, from: b.from, to: b.to, reason: b.reason, group: b.group },
      by: "admin",
    },
  }));
  // Recipes: two revisions of one, and another scope.
  const who = { by: "admin", at: AT };
  const scope = { kind: "group", group: "DE" } as const;
  await store.recipes.set("pos-client", scope, { env: { URL: "a" }, files: {}, secrets: [] }, who);
  await store.recipes.set("pos-client", scope, { env: { URL: "b" }, files: {}, secrets: [] }, who);
  await store.recipes.set(
    "scale",
    { kind: "store", store: "1001" },
    { env: { PORT: "9" }, files: {}, secrets: [] },
    who,
  );
  // Packs: two published, one withdrawn.
  for (const version of ["1.0.0", "1.1.0"]) {
    const file = await buildPack(ws, { descriptor: descriptorFor("pos-client", version) });
    const published = await store.packs.publish(file);
    if (!published.ok) throw new Error(published.error);
  }
  await store.packs.withdraw({ name: "pos-client", version: "1.0.0" }, "admin");
  // Operators.
  const directory = await OperatorDirectory.open(store.operators, { passwordParams: FAST_SCRYPT });
  await directory.bootstrapAdmin("legacy-token");
  await directory.add("anna", "approver", "DE/North", "anna@example.com");
  await directory.add("bob", "viewer", null, null);
  // Audit, in order.
  for (let i = 1; i <= 5; i++) await store.audit.append(audit(`action-${i}`));
  // Notices: three, one delivered; task mail.
  await store.outbox.add([
    notice("a", ["webhook:1", "mail"]),
    notice("b", ["webhook:1"]),
    notice("c", ["mail"]),
  ]);
  await store.outbox.markDone(1, "webhook:1");
  await store.outbox.rememberTaskMail("1", ["nord@example.com"]);
  await store.outbox.rememberTaskMail("2", ["sued@example.com", "x@example.com"]);
  // Webhooks 1-3 with 3 removed: the next id is 4.
  for (let i = 0; i < 3; i++)
    await store.webhooks.add((id) => ({
      id,
      url: `http://127.0.0.1:9/${id}`,
      secret: `secret-${id}-secret`,
      events: id === "2" ? ["task.planned"] : null,
      createdBy: "admin",
      createdAt: AT,
    }));
  await store.webhooks.remove("3");
  // Install logs on three rows.
  for (const logRow of LOG_ROWS)
    for (let seq = 1; seq <= 4; seq++)
      await store.installLogs.append(logRow, logLine(seq, logRow.function));
}

/** Everything a store hands out through its interfaces, for comparing two stores. */
export async function dumpStore(store: CoordinatorStore) {
  const workstations = await store.workstations.list();
  const perWorkstation = [];
  for (const ws of [...workstations, record("3003", "01")]) {
    const r = ref(ws.store, ws.workstation);
    perWorkstation.push({
      ref: r,
      lastStatusSeq: await store.fleet.lastStatusSeq(r),
      services: await store.desired.servicesOf(r),
      fields: await store.desired.fieldsOf(r),
      rows: await store.fleet.rowsOf(r),
    });
  }
  const logs = [];
  for (const logRow of LOG_ROWS) logs.push(await store.installLogs.read(logRow));
  const byRef = (a: { ref: { store: string; workstation: string } }, b: typeof a) =>
    `${a.ref.store}/${a.ref.workstation}`.localeCompare(`${b.ref.store}/${b.ref.workstation}`);
  return {
    workstations,
    perWorkstation,
    desired: (await store.desired.all()).sort(byRef),
    fleet: await store.fleet.query({}),
    releases: await store.releases.list(),
    schedules: await store.schedules.read(),
    recipes: await store.recipes.list(),
    packs: await store.packs.list(),
    operators: await store.operators.load(),
    audit: await store.audit.list({ limit: 100_000 }),
    notices: store.outbox.list(),
    pendingReceivers: store.outbox.pendingReceivers(),
    taskMail: ["1", "2", "3"].map((task) => store.outbox.taskMail(task)),
    webhooks: store.webhooks.list(),
    logs,
  };
}

/** A throw-away folder with a file in it: a folder that is not a coordinator's. */
export function notADataFolder(ws: Workspace): string {
  const dir = join(ws.root, "photos");
  mkdirSync(dir);
  writeFileSync(join(dir, "holiday.jpg"), "jpeg");
  return dir;
}
