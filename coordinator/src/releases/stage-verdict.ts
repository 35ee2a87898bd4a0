import type { ReleaseSpec, StageCounts } from "./release-model.js";
import { percentOf } from "./release-spec.js";
import { errorsOf, movingOf } from "./stage-tally.js";

/**
 * When a running stage ends, from its counts alone. Thresholds compare in
 * hundredths of a percent as integers (no float edge at "2%" of 50).
 */

export type Verdict =
  | { readonly kind: "running" }
  | { readonly kind: "successful"; readonly reason: string }
  | { readonly kind: "failed"; readonly reason: string; readonly threshold: boolean };

/** A threshold "N%" in hundredths of a percent ("2.5%" → 250). */
function hundredths(threshold: string): number {
  return Math.round(percentOf(threshold) * 100);
}

/** `part` of `total` as a short percent: 50, 33.33. */
export function shareText(part: number, total: number): string {
  if (total === 0) return "0%";
  return `${Math.round((part * 10000) / total) / 100}%`;
}

/** errors / total > errorThreshold, strictly ("0%": the first error). */
export function errorVerdict(counts: StageCounts, spec: ReleaseSpec): Verdict {
  const errors = errorsOf(counts);
  const total = counts.total;
  if (total === 0 || errors * 10000 <= hundredths(spec.errorThreshold) * total) {
    return { kind: "running" };
  }
  return {
    kind: "failed",
    threshold: true,
    reason: `${errors} of ${total} rows failed (${shareText(errors, total)} > ${spec.errorThreshold})`,
  };
}

/**
 * After dispatch: Successful when nothing is queued and OK / total ≥
 * successThreshold; Failed when nothing can move any more and success was
 * not reached; else running. (Errors are judged first: errorVerdict.)
 */
export function endVerdict(counts: StageCounts, spec: ReleaseSpec): Verdict {
  const total = counts.total;
  if (total === 0) return { kind: "successful", reason: "no rows to update" };
  const ok = counts.OK;
  const reached = ok * 10000 >= hundredths(spec.successThreshold) * total;
  if (counts.queued === 0 && reached) {
    return {
      kind: "successful",
      reason: `${ok} of ${total} rows OK (${shareText(ok, total)} ≥ ${spec.successThreshold})`,
    };
  }
  if (movingOf(counts) === 0) {
    return {
      kind: "failed",
      threshold: false,
      reason: `only ${ok} of ${total} rows OK; ${spec.successThreshold} needed`,
    };
  }
  return { kind: "running" };
}
