import type { NoticePublisher } from "../notices/notice-model.js";
import type { ScheduleMemory } from "../schedules/schedule-memory.js";
import type { Blackout } from "../schedules/schedule-model.js";
import type { OwedNotice } from "../schedules/schedule-state.js";
import { errorText } from "../setup/data-dir-error.js";
import type { ScheduleStore } from "../store/schedule-store.js";

export type BlackoutEvent = "blackout.announced" | "blackout.removed";

/** The idempotency key of a blackout's notice: `blackout{id}-announced` / `-removed`. */
export function blackoutNoticeKey(id: string, event: BlackoutEvent): string {
  return `blackout${id}-${event === "blackout.announced" ? "announced" : "removed"}`;
}

/** blackout.announced / blackout.removed for a blackout, by whom. */
export function blackoutNotice(blackout: Blackout, event: BlackoutEvent, by: string): OwedNotice {
  const { id, from, to, reason, group } = blackout;
  return {
    key: blackoutNoticeKey(id, event),
    notice: { event, blackout: { id, from, to, reason, group }, by },
  };
}

export interface BlackoutNoticesDeps {
  readonly schedules: Pick<ScheduleStore, "clearNotices">;
  /** The schedules as stored now: where the owed notices are read. */
  readonly memory: ScheduleMemory;
  readonly notices: NoticePublisher;
  readonly log: (message: string) => void;
}

/**
 * How blackout notices reach the outbox without loss (issue 11): the
 * schedule store writes the notice a blackout change owes in the same
 * durable write as the change (ScheduleState.noticesPending); this
 * publishes it (the outbox drops a key it has) and then clears it. A stop
 * in between leaves it owed: `publishPending` at the next start publishes
 * it before anything else is published, and clears it at once (the outbox
 * keeps a key only so long; a marker left standing would publish again
 * once its key was compacted).
 */
export class BlackoutNotices {
  constructor(private readonly deps: BlackoutNoticesDeps) {}

  /**
   * Publishes the owed notice with `key` (just stored with its change),
   * then clears it. A failed publish is logged and keeps it owed (published
   * at the next start); the change itself stands.
   */
  async publishOwed(key: string): Promise<void> {
    await this.publishAndClear((this.owed() ?? []).filter((owed) => owed.key === key));
  }

  /** At start: every notice a stop left owed, in the order stored. */
  async publishPending(): Promise<void> {
    const owed = this.owed() ?? [];
    if (owed.length === 0) return;
    if (await this.publishAndClear(owed))
      this.deps.log(
        `notices: ${owed.map((o) => o.key).join(", ")} published again (the coordinator stopped before they were)`,
      );
  }

  private owed(): readonly OwedNotice[] | undefined {
    return this.deps.memory.state.noticesPending;
  }

  /** Whether they are in the outbox now (cleared, or clearing failed and is only logged). */
  private async publishAndClear(owed: readonly OwedNotice[]): Promise<boolean> {
    if (owed.length === 0) return true;
    const keys = owed.map((o) => o.key);
    try {
      await this.deps.notices.publish(owed);
    } catch (error) {
      this.deps.log(
        `notices: ${keys.join(", ")} not published (${errorText(error)}); kept, published at the next start`,
      );
      return false;
    }
    try {
      this.deps.memory.replace(await this.deps.schedules.clearNotices(keys));
    } catch (error) {
      // In the outbox already: a publish after a restart is dropped by its key.
      this.deps.log(
        `notices: ${keys.join(", ")} published, marker not cleared: ${errorText(error)}`,
      );
    }
    return true;
  }
}
