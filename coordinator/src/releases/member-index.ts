import { ACTIVE_RELEASE_STATES, type ReleaseRecord } from "./release-model.js";

interface Holder {
  readonly id: string;
  readonly name: string;
}

/**
 * Which active release holds each row (`store/ws/function` → release id and
 * name): status ingestion finds the release a report touches without a
 * scan, set-preferred and retry skip held rows, and a stage start leaves
 * rows another release holds. Kept per instance, rebuilt from the records
 * on start and updated after every change of a release.
 */
export class MemberIndex {
  private readonly byKey = new Map<string, Holder>();
  private readonly keysOf = new Map<string, readonly string[]>();

  /** Records a release as it is now: an active one holds its members, any other holds none. */
  update(release: ReleaseRecord): void {
    for (const key of this.keysOf.get(release.id) ?? []) {
      if (this.byKey.get(key)?.id === release.id) this.byKey.delete(key);
    }
    this.keysOf.delete(release.id);
    if (!ACTIVE_RELEASE_STATES.includes(release.state)) return;
    const holder = { id: release.id, name: release.spec.name };
    const keys = release.stages.flatMap((stage) => stage.members.map((member) => member.key));
    for (const key of keys) this.byKey.set(key, holder);
    this.keysOf.set(release.id, keys);
  }

  /** The active release holding `key`, if any. */
  holding(key: string): Holder | undefined {
    const holder = this.byKey.get(key);
    return holder === undefined ? undefined : { ...holder };
  }

  /** The active release holding `key` when it is not `releaseId` (the planner's heldBy). */
  heldByOther(key: string, releaseId: string): Holder | undefined {
    const holder = this.byKey.get(key);
    return holder === undefined || holder.id === releaseId ? undefined : { ...holder };
  }

  /** Ids of the active releases. */
  activeIds(): string[] {
    return [...this.keysOf.keys()];
  }
}
