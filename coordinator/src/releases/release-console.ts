import type { Operator } from "../accounts/identity.js";
import type {
  ReleaseOperation,
  ReleaseSpec,
  ReleaseSummary,
  ReleaseView,
} from "./release-model.js";

/**
 * Why an operation on a release was refused, for the HTTP status: `invalid`
 * 400 (bad document), `forbidden` 403 (scope, four eyes), `not-found` 404
 * (no such release), `conflict` 409 (not allowed in the release's state).
 */
/** `unavailable` (issue 14): no leader replica carried the command out in time (503). */
export type ReleaseRefusalCode = "invalid" | "forbidden" | "not-found" | "conflict" | "unavailable";

export type ReleaseResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: string; readonly code: ReleaseRefusalCode };

/**
 * What the console (HTTP API, CLI, later the web console) can do with
 * release tasks. Every call is audited (`release create`, `release start`,
 * …) and every change is durable before the answer.
 */
export interface ReleaseConsole {
  create(spec: ReleaseSpec, who: Operator): Promise<ReleaseResult<ReleaseView>>;
  /** Releases the viewer may see (its scope), newest first. */
  list(viewer: Operator): Promise<ReleaseResult<ReleaseSummary[]>>;
  show(id: string, viewer: Operator): Promise<ReleaseResult<ReleaseView>>;
  operate(
    id: string,
    operation: ReleaseOperation,
    who: Operator,
  ): Promise<ReleaseResult<ReleaseView>>;
}
