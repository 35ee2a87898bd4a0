import type { NoticePublisher } from "../notices/notice-model.js";
import { errorText } from "../setup/data-dir-error.js";
import type { FleetRows } from "../store/fleet-rows.js";
import type { ReleaseStore } from "../store/release-store.js";
import { taskFacts } from "./release-admission.js";
import { targetRows } from "./release-facts.js";
import type { CandidateRow, ReleaseEvent, ReleaseRecord } from "./release-model.js";
import {
  cancelledNotice,
  type KeyedNotice,
  plannedNotice,
  releaseEventNotices,
} from "./release-notices.js";

/** What the runner's notices are built from. */
export interface RunnerNoticesDeps {
  readonly notices: NoticePublisher;
  readonly releases: Pick<ReleaseStore, "list" | "save">;
  readonly fleet: Pick<FleetRows, "getMany" | "query">;
  readonly log: (message: string) => void;
}

/**
 * How the release runner hands notices to the outbox (issue 11). Two ways,
 * because two kinds of notice exist:
 *
 * - A plan's notices (release events, task.cancelled) are published BEFORE
 *   the record that caused them is saved, with keys deterministic from that
 *   record (release-notices.ts): a crash in between re-plans the same step
 *   and publishes the same keys, which the outbox drops.
 * - task.planned needs the release's id, which exists only once the record
 *   is saved, so it cannot go first: the record is created carrying the
 *   marker `noticesPending: ["task.planned"]` (new-release.ts), the notice is
 *   published, then the marker is cleared (transactional outbox). At start,
 *   every marker left by a stop in between is published again before
 *   anything else, and cleared at once (the outbox keeps a key only so long:
 *   a marker left standing would publish again once it was compacted).
 */
export class RunnerNotices {
  constructor(private readonly deps: RunnerNoticesDeps) {}

  /** Hands notices to the outbox; a failure is logged with the release's id and thrown. */
  async publish(notices: readonly KeyedNotice[], id: string): Promise<void> {
    if (notices.length === 0) return;
    try {
      await this.deps.notices.publish(notices);
    } catch (error) {
      this.deps.log(`release ${id}: notices not published: ${errorText(error)}`);
      throw error;
    }
  }

  /** A plan's notices (its events; task.cancelled when it cancels), before its record is saved. */
  async forPlan(
    before: ReleaseRecord,
    after: ReleaseRecord,
    events: readonly ReleaseEvent[],
  ): Promise<void> {
    const notices = releaseEventNotices(after, events);
    if (after.state === "Cancelled" && before.state !== "Cancelled") {
      const rows = await targetRows(this.deps.fleet, after.spec);
      const cancelled = cancelledNotice(before, after, () => taskFacts(after, rows));
      if (cancelled !== null) notices.push(cancelled);
    }
    await this.publish(notices, after.id);
  }

  /**
   * Publishes the notices `release` owes (its task.planned: facts from
   * `rows`, its target rows now when not given), then saves it without the
   * marker. Resolves with the record to keep: without the marker even when
   * that save failed (the next save of the release writes it so; until then
   * a restart publishes again, dropped by key). A failed publish keeps the
   * marker (published at the next start) and rejects.
   */
  async publishOwed(
    release: ReleaseRecord,
    rows?: readonly CandidateRow[],
  ): Promise<ReleaseRecord> {
    if (!owesNotices(release)) return release;
    const target = rows ?? (await targetRows(this.deps.fleet, release.spec));
    await this.publish([plannedNotice(taskFacts(release, target))], release.id);
    const cleared = withoutPending(release);
    await this.deps.releases.save(cleared).catch((error: unknown) => {
      this.deps.log(
        `release ${release.id}: task.planned is in the outbox, its marker not cleared: ${errorText(error)}`,
      );
    });
    return cleared;
  }

  /**
   * At start, before anything else is published: every stored release that
   * still owes notices (a stop between its save and its publish) publishes
   * them and is saved without the marker, oldest first. One that fails is
   * logged and keeps its marker for the next start; the others go on.
   */
  async publishPending(): Promise<void> {
    for (const release of await this.deps.releases.list()) {
      if (!owesNotices(release)) continue;
      try {
        await this.publishOwed(release);
        this.deps.log(
          `release ${release.id}: task.planned published again (the coordinator stopped before it was)`,
        );
      } catch (error) {
        this.deps.log(
          `release ${release.id}: task.planned still pending (${errorText(error)}); tried again at the next start`,
        );
      }
    }
  }
}

/** Whether a release record carries notices it may not have published yet. */
export function owesNotices(release: ReleaseRecord): boolean {
  return (release.noticesPending?.length ?? 0) > 0;
}

/** The record without its marker (the field left out, as in records older than it). */
export function withoutPending(release: ReleaseRecord): ReleaseRecord {
  const { noticesPending: _, ...rest } = release;
  return rest;
}
