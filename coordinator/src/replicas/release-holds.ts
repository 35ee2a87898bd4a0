import type { ServiceRow } from "../fleet/service-row.js";
import type { ScheduledMark } from "../fleet/status-table.js";
import { KnownReleases } from "../releases/known-releases.js";
import { releaseMarks } from "../releases/release-marks.js";
import type { ReleaseContext } from "../releases/release-model.js";
import type { FleetRows } from "../store/fleet-rows.js";
import type { ReleaseStore } from "../store/release-store.js";

/**
 * Issue 14 (replicas): a follower's view of the releases (which active
 * release holds which row, the Scheduled ones), read from the store at start
 * and again whenever another replica saves a release (the "releases" mirror
 * notice), so set-preferred and retry on a follower refuse a held row as the
 * leader does, and the status overview marks the same rows. A notice names
 * the saved release: only it is read again. Reads run one after the other
 * (a whole read replaces the view); a read already waiting is not queued twice.
 */
export class ReleaseHolds {
  private known: KnownReleases;
  /** The reads, one after the other (each catches its own error). */
  private chain: Promise<void> = Promise.resolve();
  private wholeQueued: Promise<void> | null = null;
  private readonly oneQueued = new Map<string, Promise<void>>();

  constructor(
    private readonly releases: ReleaseStore,
    private readonly fleet: FleetRows,
    private readonly log: (message: string) => void,
  ) {
    this.known = new KnownReleases(releases, fleet);
  }

  /** Reads every release again (after the reads under way: they may predate the change). */
  reload(): Promise<void> {
    if (this.wholeQueued !== null) return this.wholeQueued;
    const read = this.chain.then(() => {
      this.wholeQueued = null;
      return this.readAll();
    });
    this.wholeQueued = read;
    this.chain = read;
    return read;
  }

  /** Reads one release again (another replica saved it). */
  reloadOne(id: string): Promise<void> {
    const queued = this.oneQueued.get(id);
    if (queued !== undefined) return queued;
    const read = this.chain.then(() => {
      this.oneQueued.delete(id);
      return this.readOne(id);
    });
    this.oneQueued.set(id, read);
    this.chain = read;
    return read;
  }

  holding(key: string): { id: string; name: string } | undefined {
    return this.known.holding(key);
  }

  scheduledMarks(context: ReleaseContext, now: number): (row: ServiceRow) => ScheduledMark | null {
    return releaseMarks([...this.known.all()], (key) => this.known.holding(key), context, now);
  }

  private async readOne(id: string): Promise<void> {
    try {
      const release = await this.releases.get(id);
      if (release !== undefined) this.known.remember(release);
    } catch (error) {
      this.log(
        `releases: cannot read release task ${id} again (${error instanceof Error ? error.message : String(error)}); held rows as last read`,
      );
    }
  }

  private async readAll(): Promise<void> {
    try {
      const known = new KnownReleases(this.releases, this.fleet);
      for (const release of await this.releases.list()) known.remember(release);
      this.known = known;
    } catch (error) {
      this.log(
        `releases: cannot read the release tasks again (${error instanceof Error ? error.message : String(error)}); held rows as last read`,
      );
    }
  }
}
