/**
 * Notices (issue 11): e-mail and webhooks about tasks, stages and blackouts,
 * through a durable outbox. CONTRACT FILE: the lead fixed these shapes; the
 * notices helper implements the outbox, mail and webhook delivery; releases
 * and schedules publish through `NoticePublisher`. Semantics:
 * /work/SCHEDULE-SEMANTICS.md.
 */

/** Event names as webhooks carry them (`--events` takes these). */
export const NOTICE_EVENTS = [
  "task.planned",
  "task.cancelled",
  "blackout.announced",
  "blackout.removed",
  "release.stage-started",
  "release.stage-waiting",
  "release.stage-ended",
  "release.threshold-crossed",
  "release.ended",
] as const;
export type NoticeEvent = (typeof NOTICE_EVENTS)[number];

/** A task (release) as notices describe it. */
export interface TaskFacts {
  readonly id: string;
  readonly name: string;
  readonly function: string;
  readonly version: string;
  /** "immediately", "window" or "at"; null: started by hand (`release start`). */
  readonly mode: "immediately" | "window" | "at" | null;
  /** When it starts (ISO 8601 UTC); null for "immediately"-at-once, window or by hand. */
  readonly at: string | null;
  readonly forced: boolean;
  readonly redeploy: boolean;
  readonly createdBy: string;
  /** Business unit groups of its target rows (partner admins of these are told). */
  readonly groups: readonly string[];
  /** Stores of its target rows (their contacts are told when notify.storeContacts). */
  readonly stores: readonly string[];
  readonly notify: { readonly partnerAdmins: boolean; readonly storeContacts: boolean };
}

/** One notice to publish: what happened, and its data (the webhook body's `data`). */
export type NoticeInput =
  | {
      readonly event: "task.planned";
      readonly task: TaskFacts;
    }
  | {
      readonly event: "task.cancelled";
      readonly task: TaskFacts;
      readonly by: string;
      readonly reason: string;
    }
  | {
      readonly event: "blackout.announced" | "blackout.removed";
      readonly blackout: {
        readonly id: string;
        readonly from: string;
        readonly to: string;
        readonly reason: string;
        readonly group: string | null;
      };
      readonly by: string;
    }
  | {
      readonly event: Exclude<
        NoticeEvent,
        "task.planned" | "task.cancelled" | "blackout.announced" | "blackout.removed"
      >;
      /** The release event as release-events.ts has it (type, at, release, stage, …). */
      readonly release: Readonly<Record<string, unknown>> & { readonly release: string };
    };

/**
 * Where releases and schedules hand notices over. `publish` resolves once
 * the notices are durable in the outbox (an answer of success means they
 * will be delivered, even after a kill -9). `key` makes publishing
 * idempotent: a notice whose key is already in the outbox is not added
 * again (a step re-run after a crash publishes the same key).
 */
export interface NoticePublisher {
  publish(
    notices: readonly { readonly key: string; readonly notice: NoticeInput }[],
  ): Promise<void>;
}

/** A publisher that drops everything: for tests and coordinators without notices wired. */
export const NO_NOTICES: NoticePublisher = Object.freeze({
  publish: async () => undefined,
});
