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
 * leader does, and the status overview marks the same rows. Reads coalesce:
 * one under way, at most one more after it.
 */
export class ReleaseHolds {
  private known: KnownReleases;
  private reading: Promise<void> | null = null;
  private again: Promise<void> | null = null;

  constructor(
    private readonly releases: ReleaseStore,
    private readonly fleet: FleetRows,
    private readonly log: (message: string) => void,
  ) {
    this.known = new KnownReleases(releases, fleet);
  }

  /** Reads every release again (after the one under way, if any: it may predate the change). */
  reload(): Promise<void> {
    if (this.reading === null) {
      this.reading = this.readAll().finally(() => {
        this.reading = null;
      });
      return this.reading;
    }
    this.again ??= this.reading.then(() => {
      this.again = null;
      return this.reload();
    });
    return this.again;
  }

  holding(key: string): { id: string; name: string } | undefined {
    return this.known.holding(key);
  }

  scheduledMarks(context: ReleaseContext, now: number): (row: ServiceRow) => ScheduledMark | null {
    return releaseMarks([...this.known.all()], (key) => this.known.holding(key), context, now);
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
