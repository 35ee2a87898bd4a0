import type { NoticeEvent, NoticeInput, TaskFacts } from "../notices/notice-model.js";
import type { ReleaseEvent, ReleaseRecord } from "./release-model.js";

/**
 * What a release publishes as notices (issue 11), with deterministic keys
 * so that a step re-run after a crash publishes the same keys (dropped as
 * duplicates by the outbox): release events are keyed by the history
 * length of the record they lead to, `rel{id}-h{historyLength}-{event}-{stage}`.
 * Published BEFORE the record is saved: a crash in between re-plans the
 * same step from the same record, and so the same keys.
 */

export interface KeyedNotice {
  readonly key: string;
  readonly notice: NoticeInput;
}

const EVENT_NAMES: Readonly<Record<ReleaseEvent["type"], NoticeEvent>> = {
  "stage-started": "release.stage-started",
  "stage-waiting": "release.stage-waiting",
  "stage-ended": "release.stage-ended",
  "threshold-crossed": "release.threshold-crossed",
  "release-ended": "release.ended",
};

/** The plan's release events as notices, keyed by the saved record's history length. */
export function releaseEventNotices(
  after: ReleaseRecord,
  events: readonly ReleaseEvent[],
): KeyedNotice[] {
  return events.map((event) => {
    const name = EVENT_NAMES[event.type];
    const stage = "stage" in event ? event.stage : "release";
    return {
      key: `rel${after.id}-h${after.history.length}-${name}-${stage}`,
      notice: {
        event: name as Exclude<
          NoticeEvent,
          "task.planned" | "task.cancelled" | "blackout.announced" | "blackout.removed"
        >,
        release: { ...event },
      },
    };
  });
}

/** task.planned for a new task: once per task. */
export function plannedNotice(task: TaskFacts): KeyedNotice {
  return { key: `rel${task.id}-task.planned`, notice: { event: "task.planned", task } };
}

/**
 * task.cancelled when `after` moved to Cancelled (by whom and why, from its
 * history); null when the plan did not cancel it.
 */
export function cancelledNotice(
  before: ReleaseRecord,
  after: ReleaseRecord,
  task: () => TaskFacts,
): KeyedNotice | null {
  if (after.state !== "Cancelled" || before.state === "Cancelled") return null;
  const entry = [...after.history]
    .reverse()
    .find((h) => h.subject === "release" && h.to === "Cancelled");
  return {
    key: `rel${after.id}-task.cancelled`,
    notice: {
      event: "task.cancelled",
      task: task(),
      by: entry?.who ?? "unknown",
      reason: entry?.reason ?? "cancelled",
    },
  };
}
