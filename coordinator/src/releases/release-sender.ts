import type { DesiredRowChange } from "../operations/apply-desired.js";
import type { DesiredStore } from "../store/desired-store.js";
import type { FleetRows } from "../store/fleet-rows.js";
import { memberRows, sentEntries } from "./release-facts.js";
import type { ReleaseRecord, ReleaseSend } from "./release-model.js";
import { missingSends } from "./release-recovery.js";
import { changesFor, describeSends } from "./release-sends.js";

/** What the send path reads and writes through. */
export interface ReleaseSenderDeps {
  readonly fleet: Pick<FleetRows, "get" | "getMany" | "query">;
  readonly desiredState: Pick<DesiredStore, "servicesOf">;
  /** Applies desired-state changes (operations/apply-desired.ts): durable, then published. */
  readonly apply: (changes: readonly DesiredRowChange[]) => Promise<unknown>;
  readonly now: () => number;
  readonly log: (message: string) => void;
}

/**
 * The member send path of the release runner: a saved plan's sends become
 * desired-state changes through the one applier, and sends a crash or a
 * refused publish cut off (saved, not applied) are found and applied again.
 * Request ids are deterministic, so a send applied twice is one request.
 * Apart from the runner because it is the one part that writes desired
 * state, and its repair bookkeeping concerns nothing else.
 */
export class ReleaseSender {
  /** Releases whose last sends may not have been applied: checked before the next plan. */
  private readonly repair = new Set<string>();

  constructor(private readonly deps: ReleaseSenderDeps) {}

  /** Applies a release's sends through the desired-state applier. */
  async send(release: ReleaseRecord, sends: readonly ReleaseSend[]): Promise<void> {
    const changes = await changesFor(
      sends,
      (key) => this.deps.fleet.get(key),
      this.deps.now(),
      (key, reason) => this.deps.log(`release ${release.id}: ${key} not cancelled: ${reason}`),
      release.spec.drain ?? null,
    );
    await this.deps.apply(changes);
    this.deps.log(`release ${release.id}: sent ${describeSends(sends)}`);
  }

  /** Re-applies the sends of `release` whose desired state is missing (see release-recovery.ts). */
  async recover(release: ReleaseRecord): Promise<void> {
    const entries = await sentEntries(this.deps.desiredState, release);
    const rows = await memberRows(this.deps.fleet, release);
    const missing = missingSends(
      release,
      (key) => entries.get(key),
      (key) => rows.get(key),
    );
    if (missing.length === 0) return;
    this.deps.log(
      `release ${release.id}: ${missing.length} send(s) saved but not published (the coordinator stopped in between): sending them again`,
    );
    await this.send(release, missing);
  }

  /** The release's sends may not all be applied: recover it before its next plan. */
  needsRepair(id: string): void {
    this.repair.add(id);
  }

  /** Recovers the release first when a send of it failed (see needsRepair). */
  async repairIfNeeded(release: ReleaseRecord): Promise<void> {
    if (!this.repair.has(release.id)) return;
    await this.recover(release);
    this.repair.delete(release.id);
  }
}
