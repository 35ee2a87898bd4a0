import { rowKey, type ServiceRow } from "../fleet/service-row.js";
import type { FleetRows } from "../store/fleet-rows.js";
import type { ReleaseStore } from "../store/release-store.js";
import { MemberIndex } from "./member-index.js";
import { OkTracker } from "./ok-tracker.js";
import { memberRows } from "./release-facts.js";
import {
  ACTIVE_RELEASE_STATES,
  type MemberObservation,
  type ReleaseRecord,
} from "./release-model.js";

/**
 * What the release runner keeps in memory of its releases: each record as
 * last loaded or saved, which active release holds each row (MemberIndex),
 * and since when each member row has been OK (the soak). Apart from the
 * runner so the planning path reads one object for "the releases now",
 * and the rule that the index changes only with a state or a stage's
 * members stays in one place.
 */
export class KnownReleases {
  private readonly index = new MemberIndex();
  private readonly ok = new OkTracker();
  /** The version each active release rolls out, for okSince. */
  private readonly versionOf = new Map<string, string>();
  /**
   * Each release as last loaded or saved. The runner is the one writer of
   * release records (creation hands it the new one), and records are never
   * changed in place (the planner copies on write), so a plan starts from
   * this instead of reading (and copying) a 10,000-member record again.
   */
  private readonly current = new Map<string, ReleaseRecord>();

  constructor(
    private readonly releases: Pick<ReleaseStore, "get">,
    private readonly fleet: Pick<FleetRows, "getMany" | "query">,
  ) {}

  /** Every release known, as last loaded or saved. */
  all(): IterableIterator<ReleaseRecord> {
    return this.current.values();
  }

  /** The release as last saved or loaded (read from the store once when not known yet). */
  async record(id: string): Promise<ReleaseRecord | undefined> {
    const known = this.current.get(id);
    if (known !== undefined) return known;
    const stored = await this.releases.get(id);
    if (stored !== undefined) this.current.set(id, stored);
    return stored;
  }

  /** Takes a release as loaded or just saved: the record, the rows it holds, its version. */
  remember(release: ReleaseRecord): void {
    const before = this.current.get(release.id);
    this.current.set(release.id, release);
    // The index changes only with the state or a stage's members (a stage start):
    // rebuilding it for 10,000 members after every plan cost more than the plan.
    if (before === undefined || holdingChanged(before, release)) this.index.update(release);
    if (ACTIVE_RELEASE_STATES.includes(release.state))
      this.versionOf.set(release.id, release.spec.version);
    else this.versionOf.delete(release.id);
  }

  /** The active release holding a row. */
  holding(key: string): { id: string; name: string } | undefined {
    return this.index.holding(key);
  }

  /** The active release holding a row when it is not `id` (the planner's heldBy). */
  heldByOther(key: string, id: string): { id: string; name: string } | undefined {
    return this.index.heldByOther(key, id);
  }

  /**
   * A recorded report of `row`: a member row updates its soak at once (a
   * Failed report between two OK ones breaks it); answers the id of the
   * release holding it (to be planned), or undefined.
   */
  reported(row: ServiceRow, now: number): string | undefined {
    const key = rowKey(row);
    const holder = this.index.holding(key);
    if (holder === undefined) return undefined;
    const version = this.versionOf.get(holder.id);
    if (version !== undefined) this.ok.observe(key, row, version, now);
    return holder.id;
  }

  /** At start: an active release's OK rows begin their soak now. */
  async observeMembers(release: ReleaseRecord, now: number): Promise<void> {
    if (!ACTIVE_RELEASE_STATES.includes(release.state)) return;
    for (const [key, row] of await memberRows(this.fleet, release))
      this.ok.observe(key, row, release.spec.version, now);
  }

  /**
   * What the planner and the views see of each member row now: status,
   * request, versions, and okSince from the soak tracker. Read up front, so
   * the pure functions get a synchronous lookup.
   */
  async observer(
    release: ReleaseRecord,
    now: number,
  ): Promise<(key: string) => MemberObservation | undefined> {
    const active = ACTIVE_RELEASE_STATES.includes(release.state);
    const seen = new Map<string, MemberObservation>();
    for (const [key, row] of await memberRows(this.fleet, release)) {
      const okSince = active
        ? this.ok.observe(key, row, release.spec.version, now)
        : this.ok.get(key, release.spec.version);
      seen.set(key, {
        status: row.status,
        requestId: row.requestId,
        activeVersion: row.activeVersion,
        reason: row.reason,
        online: row.online,
        okSince,
      });
    }
    return (key) => seen.get(key);
  }
}

/** Whether the rows `after` holds may differ from those `before` held. */
function holdingChanged(before: ReleaseRecord, after: ReleaseRecord): boolean {
  if (before.state !== after.state) return true;
  return before.stages.some((stage, i) => stage.members !== after.stages[i]?.members);
}
