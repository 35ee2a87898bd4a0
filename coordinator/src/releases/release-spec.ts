import type { Result } from "@tillroll/protocol";
import type { ReleaseSpec } from "./release-model.js";

/**
 * The release document (`tillroll release create --file F`, `POST
 * /api/releases`): one strict zod schema, defaults filled in, every error
 * naming the field. STUB: issue 10's planner helper writes it.
 */
export declare const releaseSpecSchema: import("zod").ZodType<ReleaseSpec, unknown>;

/** Validates a release document; the error names each wrong field. */
export function parseReleaseSpec(_data: unknown): Result<ReleaseSpec> {
  throw new Error("not implemented");
}

/** "2%" → 2, "100%" → 100, "0.5%" → 0.5 (a spec's thresholds are valid by then). */
export function percentOf(_threshold: string): number {
  throw new Error("not implemented");
}

/** "2h" → 7,200,000; "1h30m", "15m", "30s", "0s" (a spec's durations are valid by then). */
export function durationMs(_duration: string): number {
  throw new Error("not implemented");
}

/**
 * The request id the release sends a member: deterministic, so a send
 * applied twice (after a crash) is one request: `rel{id}-{stage}-{member}-{attempt}`,
 * and `rel{id}-rb-{stage}-{member}` / `rel{id}-cx-…` for rollback and cancel.
 */
export function requestIdFor(
  _releaseId: string,
  _stageIndex: number,
  _memberIndex: number,
  _attempt: number,
  _why: "install" | "retry" | "rollback" | "cancel",
): string {
  throw new Error("not implemented");
}
