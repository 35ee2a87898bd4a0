import { stat } from "node:fs/promises";
import { join, resolve } from "node:path";

/**
 * The refusals of `tillroll migrate` that come before anything is read or
 * written, each naming what was wrong and what to do.
 */
export class MigrateRefusal extends Error {}

/** Pure: `--to` must be a PostgreSQL connection URL; answers why not, or null. */
export function databaseUrlProblem(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `--to ${JSON.stringify(url)} is not a URL: give postgres://user:password@host:5432/database`;
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:")
    return `--to ${redactUrl(url)}: not a PostgreSQL URL (postgres://user:password@host:5432/database)`;
  if (parsed.pathname.replace(/^\//, "") === "")
    return `--to ${redactUrl(url)}: name the database (postgres://…/DATABASE)`;
  return null;
}

/** Pure: the URL with its password (if any) replaced by `***`, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return url;
  }
}

/** What every started coordinator leaves in its data folder (operator-token), or has state in. */
const MARKERS = ["operator-token", "coordinator.json"];

/** Refuses a `--from` that is not a coordinator's data folder (without creating anything). */
export async function checkDataFolder(dir: string): Promise<void> {
  const kind = await stat(dir).then(
    (s) => (s.isDirectory() ? "folder" : "file"),
    () => "missing",
  );
  if (kind !== "folder")
    throw new MigrateRefusal(
      `--from ${dir}: ${kind === "missing" ? "no such folder" : "not a folder"}: name the coordinator's data folder (its --data)`,
    );
  for (const marker of MARKERS) {
    const found = await stat(join(dir, marker)).then(
      () => true,
      () => false,
    );
    if (found) return;
  }
  throw new MigrateRefusal(
    `--from ${dir}: not a coordinator data folder (${resolve(dir)} holds neither ${MARKERS.join(" nor ")}): name the folder the coordinator ran with --data`,
  );
}

/** Pure: the refusal of a target that holds data already, naming the tables and their rows. */
export function nonEmptyTargetProblem(
  url: string,
  rowsByTable: ReadonlyMap<string, number>,
): string | null {
  const holding = [...rowsByTable].filter(([, rows]) => rows > 0);
  if (holding.length === 0) return null;
  const list = holding.map(([table, rows]) => `${table}: ${rows}`).join(", ");
  return `--to ${redactUrl(url)}: the database already holds tillroll data (${list}); migrate only into an empty database (create a new one, or drop this one's tables)`;
}
