import { err, ok, type Result } from "@tillroll/protocol";

/**
 * Issue 14 (replicas): what one replica tells the others after a commit that
 * changed fleet rows, through PostgreSQL's NOTIFY on `tillroll_rows`: the keys
 * of the rows (for their memory mirrors and the console's live streams), or
 * "resync" when the keys would not fit. Pure: the payloads and their reading.
 */

export const ROWS_CHANNEL = "tillroll_rows";

/**
 * The other memory mirrors a replica keeps (workstations for the broker's login check,
 * webhooks, the notices outbox, web sessions that ended, the operators): a notice on `tillroll_mirrors` names the one that
 * changed, `{"o": origin, "m": name}`, and every other replica reads it again whole.
 * "releases": a release task was created or saved (a follower's view of the rows
 * active releases hold is read again); "packs": a pack was published or withdrawn.
 */
export const MIRRORS_CHANNEL = "tillroll_mirrors";
export const MIRRORS = [
  "workstations",
  "webhooks",
  "outbox",
  "releases",
  "packs",
  "sessions",
  "operators",
] as const;
export type MirrorName = (typeof MIRRORS)[number];

/** `id`: the one record that changed (a release task), when the mirror can read just it. */
export function mirrorNoticePayload(origin: string, mirror: MirrorName, id?: string): string {
  return JSON.stringify(
    id === undefined ? { o: origin, m: mirror } : { o: origin, m: mirror, i: id },
  );
}

/** A mirror notice read back: who sent it, which mirror (and record); else an error. */
export function parseMirrorNotice(
  payload: string,
): Result<{ origin: string; mirror: MirrorName; id?: string }> {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return err(`mirror notice is not JSON: ${JSON.stringify(payload.slice(0, 80))}`);
  }
  const { o, m, i } = (typeof value === "object" && value !== null ? value : {}) as {
    o?: unknown;
    m?: unknown;
    i?: unknown;
  };
  if (typeof o !== "string" || o === "") return err("mirror notice has no origin (o)");
  const mirror = MIRRORS.find((name) => name === m);
  if (mirror === undefined) return err(`mirror notice names no known mirror: ${JSON.stringify(m)}`);
  if (i !== undefined && typeof i !== "string")
    return err(`mirror notice names a record that is not a string: ${JSON.stringify(i)}`);
  return ok(i === undefined ? { origin: o, mirror } : { origin: o, mirror, id: i });
}

/** PostgreSQL refuses a NOTIFY payload of 8000 bytes or more; keep a margin. */
export const MAX_PAYLOAD_BYTES = 7_900;

/**
 * More payloads than this for one change (a set-preferred over thousands of rows)
 * and one "resync" says it better: every listener reloads once instead of
 * reading a burst of notices.
 */
export const MAX_PAYLOADS = 16;

export type RowNotice =
  | { origin: string; kind: "keys"; keys: string[] }
  | { origin: string; kind: "resync" };

/** The payloads that tell `keys` (each under MAX_PAYLOAD_BYTES), or one resync. */
export function rowNoticePayloads(
  origin: string,
  keys: readonly string[],
  limits: { maxBytes?: number; maxPayloads?: number } = {},
): string[] {
  const maxBytes = limits.maxBytes ?? MAX_PAYLOAD_BYTES;
  const maxPayloads = limits.maxPayloads ?? MAX_PAYLOADS;
  const unique = [...new Set(keys)];
  if (unique.length === 0) return [];
  const resync = [JSON.stringify({ o: origin, resync: true })];
  const payloads: string[] = [];
  const empty = Buffer.byteLength(JSON.stringify({ o: origin, k: [] }));
  let chunk: string[] = [];
  let bytes = empty;
  for (const key of unique) {
    // The key as it is written in the array, plus a comma.
    const size = Buffer.byteLength(JSON.stringify(key)) + 1;
    if (empty + size > maxBytes) return resync;
    if (bytes + size > maxBytes) {
      payloads.push(JSON.stringify({ o: origin, k: chunk }));
      chunk = [];
      bytes = empty;
    }
    chunk.push(key);
    bytes += size;
  }
  payloads.push(JSON.stringify({ o: origin, k: chunk }));
  return payloads.length > maxPayloads ? resync : payloads;
}

/** A payload read back; anything else is an error naming what was wrong. */
export function parseRowNotice(payload: string): Result<RowNotice> {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return err(`row notice is not JSON: ${JSON.stringify(payload.slice(0, 80))}`);
  }
  if (typeof value !== "object" || value === null) return err("row notice is not an object");
  const { o, k, resync } = value as { o?: unknown; k?: unknown; resync?: unknown };
  if (typeof o !== "string" || o === "") return err("row notice has no origin (o)");
  if (resync === true) return ok({ origin: o, kind: "resync" });
  if (!Array.isArray(k) || !k.every((key) => typeof key === "string"))
    return err("row notice has neither keys (k: string[]) nor resync: true");
  return ok({ origin: o, kind: "keys", keys: k });
}
