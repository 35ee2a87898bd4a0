import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import pg from "pg";
import type { CoordinatorProcess } from "./coordinator-harness.js";

/** One desired entry as the tests judge it (the rest of the record is not compared). */
export interface DesiredSeen {
  preferredVersion: string | null;
  requestId: string | null;
}

/** Desired entries by "STORE/WS", then by function. */
export type DesiredByWorkstation = Record<string, Record<string, DesiredSeen> | undefined>;

/**
 * What a coordinator has made durable of its desired state, read behind its
 * back from where its store keeps it: DATA/coordinator.json on the JSON
 * store, the `desired` table on PostgreSQL (the committed rows, not the
 * process's memory).
 */
export async function durableDesired(
  coordinator: CoordinatorProcess,
): Promise<DesiredByWorkstation> {
  if (coordinator.database !== undefined) return desiredInPostgres(coordinator.database.url);
  // On disk: {"schemaVersion": N, "data": CoordinatorState} (protocol's durable envelope).
  const file = JSON.parse(
    await readFile(join(coordinator.dataDir, "coordinator.json"), "utf8"),
  ) as {
    data: { desired: DesiredByWorkstation };
  };
  return file.data.desired;
}

async function desiredInPostgres(url: string): Promise<DesiredByWorkstation> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{
      store: string;
      workstation: string;
      function: string;
      entry: DesiredSeen;
    }>("SELECT store, workstation, function, entry FROM desired");
    const desired: DesiredByWorkstation = {};
    for (const r of rows) {
      const id = `${r.store}/${r.workstation}`;
      desired[id] = { ...desired[id], [r.function]: r.entry };
    }
    return desired;
  } finally {
    await client.end();
  }
}

/**
 * The fleet rows a coordinator has made durable, as text to search: each
 * DATA/fleet* file (snapshot and journal) on JSON, each `fleet_rows` row on
 * PostgreSQL.
 */
export async function durableFleetRows(coordinator: CoordinatorProcess): Promise<string[]> {
  if (coordinator.database === undefined) {
    const names = (await readdir(coordinator.dataDir)).filter((name) => name.startsWith("fleet"));
    return Promise.all(names.map((name) => readFile(join(coordinator.dataDir, name), "utf8")));
  }
  const client = new pg.Client({ connectionString: coordinator.database.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ text: string }>(
      "SELECT row::text AS text FROM fleet_rows",
    );
    return rows.map((r) => r.text);
  } finally {
    await client.end();
  }
}
