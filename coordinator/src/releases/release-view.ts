import type { MemberObservation, ReleaseRecord, ReleaseView } from "./release-model.js";

/** A release as shown: stages with counts per outcome, Not Ready reasons, timed-out and failed rows. STUB. */
export function viewRelease(
  _release: ReleaseRecord,
  _observe: (key: string) => MemberObservation | undefined,
  _now: number,
): ReleaseView {
  throw new Error("not implemented");
}
