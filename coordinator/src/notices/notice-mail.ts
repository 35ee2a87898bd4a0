import type { NoticeEvent, TaskFacts } from "./notice-model.js";

/**
 * The e-mail of a notice (pure): subject and plain-text body, rendered from
 * the notice as the outbox keeps it. Every task mail names the date (the
 * start in UTC and, when all its stores share one zone, in that zone's local
 * time; "now"; or "in each store's maintenance window") and the software
 * (function and version); blackout mails name start and end.
 */

export interface MailText {
  readonly subject: string;
  readonly text: string;
}

export interface MailNotice {
  readonly event: NoticeEvent;
  readonly at: string;
  readonly data: Readonly<Record<string, unknown>>;
}

interface BlackoutData {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly reason: string;
  readonly group: string | null;
}

/** `2026-12-01 01:00 UTC`. */
export function formatUtc(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** `2026-12-01 02:00 Europe/Berlin`: the wall time in `zone`. */
export function formatLocal(iso: string, zone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", {
      timeZone: zone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(new Date(iso))
      .map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${zone}`;
}

/** When the task runs, as a mail says it: `on 2026-12-01 01:00 UTC (2026-12-01 02:00 Europe/Berlin)`. */
export function describeStart(task: TaskFacts, zones: readonly string[]): string {
  switch (task.mode) {
    case "window":
      return "in each store's maintenance window";
    case "immediately":
      return "now";
    case "at": {
      if (task.at === null) return "at its scheduled time";
      const [zone] = zones;
      const local =
        zones.length === 1 && zone !== undefined ? ` (${formatLocal(task.at, zone)})` : "";
      return `on ${formatUtc(task.at)}${local}`;
    }
    default:
      return "when it is started (release start)";
  }
}

function taskTitle(task: TaskFacts): string {
  return `release ${task.id} "${task.name}"`;
}

function taskLines(task: TaskFacts, zones: readonly string[]): string[] {
  return [
    `Software: ${task.function} ${task.version}${task.redeploy ? " (installed again where already active)" : ""}`,
    `When: ${describeStart(task, zones)}`,
    `Release task: ${task.id} "${task.name}", created by ${task.createdBy}${task.forced ? " (forced: only the platform admin may cancel it)" : ""}`,
    `Groups: ${task.groups.length === 0 ? "-" : task.groups.join(", ")}`,
    `Stores: ${task.stores.length === 0 ? "-" : task.stores.join(", ")}`,
  ];
}

function blackoutTitle(blackout: BlackoutData): string {
  return blackout.group === null ? "Platform maintenance" : `Blackout for ${blackout.group}`;
}

const FOOTER = ["", "-- ", "tillroll coordinator (this mail was sent automatically)"];

/** The mail of a notice; null for events that are not mailed (release events). */
export function renderMail(notice: MailNotice): MailText | null {
  const data = notice.data;
  switch (notice.event) {
    case "task.planned": {
      const task = data.task as TaskFacts;
      const zones = (data.zones as readonly string[] | undefined) ?? [];
      return {
        subject: `Planned: ${task.function} ${task.version} ${describeStart(task, zones)} (${taskTitle(task)})`,
        text: [
          `An update of ${task.function} to ${task.version} is planned ${describeStart(task, zones)}.`,
          "",
          ...taskLines(task, zones),
          ...FOOTER,
        ].join("\n"),
      };
    }
    case "task.cancelled": {
      const task = data.task as TaskFacts;
      const zones = (data.zones as readonly string[] | undefined) ?? [];
      return {
        subject: `Cancelled: ${task.function} ${task.version} ${describeStart(task, zones)} (${taskTitle(task)})`,
        text: [
          `The update of ${task.function} to ${task.version} planned ${describeStart(task, zones)} is cancelled.`,
          `Cancelled by ${String(data.by)}: ${String(data.reason)}`,
          "",
          ...taskLines(task, zones),
          ...FOOTER,
        ].join("\n"),
      };
    }
    case "blackout.announced":
    case "blackout.removed": {
      const blackout = data.blackout as BlackoutData;
      const period = `${formatUtc(blackout.from)} to ${formatUtc(blackout.to)}`;
      const announced = notice.event === "blackout.announced";
      return {
        subject: `${blackoutTitle(blackout)} ${announced ? "announced" : "removed"}: ${period}`,
        text: [
          announced
            ? `${blackoutTitle(blackout)} ${blackout.id}: no update runs from ${formatUtc(blackout.from)} to ${formatUtc(blackout.to)}${blackout.group === null ? "" : ` on the workstations of ${blackout.group}`}.`
            : `${blackoutTitle(blackout)} ${blackout.id} (${period}) is removed: updates may run again in that period.`,
          `Reason: ${blackout.reason}`,
          `By: ${String(data.by)}`,
          ...FOOTER,
        ].join("\n"),
      };
    }
    default:
      return null;
  }
}
