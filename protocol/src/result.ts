/**
 * Every decision at a boundary returns a Result instead of throwing, so a bad
 * message from the network can never take a daemon down by accident: the
 * caller has to look at `ok` before it can reach the value.
 */
export type Result<T> = { ok: true; value: T } | { ok: false; error: string };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function err<T = never>(error: string): Result<T> {
  return { ok: false, error };
}

/** Thrown only by builders given input the caller should have validated. */
export class ProtocolError extends Error {
  override name = "ProtocolError";
}

/** Unwraps a Result, throwing ProtocolError with its message when it failed. */
export function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new ProtocolError(result.error);
  return result.value;
}
