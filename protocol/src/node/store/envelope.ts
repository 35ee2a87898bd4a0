import { errorMessage } from "./durable-fs.js";

/**
 * On disk every store is `{"schemaVersion": N, "data": ...}`. The version lives
 * in the file, not in the code that reads it, so an agent that was rolled back
 * to an older build can tell it is looking at data it does not understand.
 */

export type DurableFileErrorKind =
  /** Neither the file nor its backup holds usable data. */
  | "unreadable"
  /** Written by a newer schema; reading (and later overwriting) it would lose data. */
  | "newer-schema"
  /** Older schema and no `migrate` was supplied. */
  | "no-migration"
  /** `write()` was given data that would not read back through `validate`. */
  | "invalid-data";

export class DurableFileError extends Error {
  override readonly name = "DurableFileError";
  constructor(
    readonly kind: DurableFileErrorKind,
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

export interface SchemaCodec<T> {
  /** The version this build writes; a positive integer. */
  schemaVersion: number;
  /** Turns the `data` payload into a T, throwing an Error that says what is wrong. */
  validate: (raw: unknown) => T;
  /**
   * Upgrades an older file's `data` payload all the way to `schemaVersion`
   * (the result still goes through `validate`). Absent: older files are refused.
   */
  migrate?: (fromVersion: number, raw: unknown) => unknown;
}

/** A damaged file is worth falling back from; anything else the caller must see. */
export type Decoded<T> =
  | { ok: true; value: T; fromVersion: number }
  | { ok: false; reason: string };

export function encodeEnvelope(schemaVersion: number, data: unknown): string {
  // Indented: a support engineer on a till should be able to read the journal.
  return `${JSON.stringify({ schemaVersion, data }, null, 2)}\n`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Parses one file's text. Returns `{ ok: false }` for damage (truncation,
 * garbage, failed validation) so the caller can try the backup; throws a
 * DurableFileError for version problems, because the backup is then no safer
 * and silently using it would discard the newer file.
 */
export function decodeEnvelope<T>(text: string, codec: SchemaCodec<T>, file: string): Decoded<T> {
  if (text.trim() === "") return { ok: false, reason: "file is empty (truncated?)" };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `not valid JSON, truncated or corrupt (${errorMessage(error)})` };
  }
  if (!isRecord(raw)) return { ok: false, reason: "top level is not a JSON object" };
  const version = raw.schemaVersion;
  if (typeof version !== "number" || !Number.isSafeInteger(version) || version < 0) {
    return { ok: false, reason: `"schemaVersion" is missing or not an integer` };
  }
  if (!("data" in raw)) return { ok: false, reason: `"data" is missing` };

  if (version > codec.schemaVersion) {
    throw new DurableFileError(
      "newer-schema",
      file,
      `${file}: schemaVersion ${version} is newer than ${codec.schemaVersion}, the newest this ` +
        "agent understands; refusing to use it rather than downgrade (and lose) its data",
    );
  }
  let payload = raw.data;
  if (version < codec.schemaVersion) {
    if (codec.migrate === undefined) {
      throw new DurableFileError(
        "no-migration",
        file,
        `${file}: schemaVersion ${version} is older than ${codec.schemaVersion} and no migration was supplied`,
      );
    }
    try {
      payload = codec.migrate(version, payload);
    } catch (error) {
      return {
        ok: false,
        reason: `migration from schemaVersion ${version} failed: ${errorMessage(error)}`,
      };
    }
  }
  try {
    return { ok: true, value: codec.validate(payload), fromVersion: version };
  } catch (error) {
    return { ok: false, reason: `invalid data: ${errorMessage(error)}` };
  }
}
