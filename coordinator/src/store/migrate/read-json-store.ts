import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { FUNCTION_NAME_PATTERN, ID_PATTERN } from "@tillroll/protocol";
import { AuditLog } from "../../audit/audit-log.js";
import { StateStore } from "../../state/state-store.js";
import { parseLines } from "../json/json-install-logs.js";
import { JsonCoordinatorStore } from "../json/json-store.js";
import type { StoreSnapshot } from "./store-snapshot.js";

/**
 * Reads everything a JSON-store coordinator keeps in `dataDir`: through the
 * store's interfaces where they hand everything out (opened as a coordinator
 * start opens it, so a file it would refuse is refused here, naming it), and
 * from the files for what they do not (the coordinator state with its
 * desired seq and status seqs, the webhook id counter, task mail, every
 * install-log row).
 */
export async function readJsonStore(
  dataDir: string,
  log: (message: string) => void,
): Promise<StoreSnapshot> {
  const state = (await StateStore.open(dataDir, log)).state;
  const store = await JsonCoordinatorStore.open({ dir: dataDir, log, now: Date.now });
  try {
    const releases = await store.releases.list();
    const refOf = (key: string) => {
      const [storeId = "", workstation = ""] = key.split("/");
      return { store: storeId, workstation };
    };
    return {
      workstations: Object.values(state.workstations),
      statusSeqs: Object.entries(state.statusSeq).map(([key, seq]) => ({ ref: refOf(key), seq })),
      desired: Object.entries(state.desired).map(([key, services]) => ({
        ref: refOf(key),
        services,
      })),
      desiredFields: Object.entries(state.desiredFields ?? {}).map(([key, fields]) => ({
        ref: refOf(key),
        fields,
      })),
      desiredSeq: state.desiredSeq,
      fleetRows: await store.fleet.query({}),
      releases,
      lastReleaseId: releases.reduce((max, release) => Math.max(max, Number(release.id)), 0),
      schedules: await store.schedules.read(),
      recipes: await store.recipes.list(),
      packs: await store.packs.list(),
      operators: await store.operators.load(),
      audit: await new AuditLog(join(dataDir, "audit.jsonl")).list(Number.MAX_SAFE_INTEGER),
      notices: store.outbox.list(),
      taskMail: await readTaskMail(dataDir),
      webhooks: store.webhooks.list(),
      lastWebhookId: (await readWebhookNextId(dataDir)) - 1,
      installLogs: await readInstallLogs(join(dataDir, "install-logs")),
    };
  } finally {
    // Not store.close(): that writes coordinator.json again (the status seqs); nothing changed.
    await store.files.fleet.close();
  }
}

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new Error(`cannot read ${path} (${(error as Error).message})`);
  }
}

/** `DATA/notices/task-mail.json` (JsonOutbox checked it on open). */
async function readTaskMail(dataDir: string): Promise<StoreSnapshot["taskMail"]> {
  const file = (await readJson(join(dataDir, "notices", "task-mail.json"))) as {
    tasks?: { task: string; to: string[] }[];
  } | null;
  return file?.tasks ?? [];
}

/** `nextId` of `DATA/webhooks.json` (JsonWebhooks checked it on open); 1 when none. */
async function readWebhookNextId(dataDir: string): Promise<number> {
  const file = (await readJson(join(dataDir, "webhooks.json"))) as { nextId?: number } | null;
  return file?.nextId ?? 1;
}

/** Every row file `install-logs/<store>/<ws>/<fn>.jsonl`; names that are not ids are left out. */
async function readInstallLogs(dir: string): Promise<StoreSnapshot["installLogs"]> {
  const rows: StoreSnapshot["installLogs"][number][] = [];
  for (const store of (await names(dir)).filter((name) => ID_PATTERN.test(name)))
    for (const workstation of (await names(join(dir, store))).filter((n) => ID_PATTERN.test(n)))
      for (const file of await names(join(dir, store, workstation))) {
        const fn = file.endsWith(".jsonl") ? file.slice(0, -".jsonl".length) : "";
        if (!FUNCTION_NAME_PATTERN.test(fn)) continue;
        const lines = parseLines(await readFile(join(dir, store, workstation, file), "utf8"));
        rows.push({
          row: { store, workstation, function: fn },
          lastN: lines.reduce((max, line) => Math.max(max, line.n), 0),
          lines: lines.map((line) => ({ ...line, kept: line.kept ?? 0 })),
        });
      }
  return rows;
}

async function names(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (error) {
    if (["ENOENT", "ENOTDIR"].includes((error as NodeJS.ErrnoException).code ?? "")) return [];
    throw error;
  }
}
