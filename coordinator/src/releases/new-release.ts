import type { ReleaseRecord, ReleaseSpec } from "./release-model.js";

/** A new release task: state Ready, every stage Pending, history "- -> Ready". STUB. */
export function newRelease(
  _id: string,
  _spec: ReleaseSpec,
  _createdBy: string,
  _now: number,
): ReleaseRecord {
  throw new Error("not implemented");
}
