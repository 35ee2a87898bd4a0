import { formatDays } from "@tillroll/protocol";
import type { Answer } from "../api/routes.js";
import { textTable } from "./text-table.js";

/**
 * `tillroll window|store|blackout` and the notice lines for people: pure
 * functions of the API's answers, table-tested byte for byte.
 */

type WindowSetting = Answer<"setWindow">;
type StoreSetting = Answer<"setStore">;
type Blackout = Answer<"removeBlackout">;
type Notice = Answer<"notices">["notices"][number];
type Cancelled = Answer<"addBlackout">["cancelled"][number];

/** 180 → "3h", 90 → "1h30m", 45 → "45m": the release duration grammar. */
export function formatMinutes(minutes: number): string {
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours === 0) return `${rest}m`;
  return rest === 0 ? `${hours}h` : `${hours}h${rest}m`;
}

/** `2026-12-24T00:00:00.000Z` → `2026-12-24 00:00Z`. */
export function shortInstant(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}Z`;
}

export function subjectText(subject: WindowSetting["subject"]): string {
  return subject.kind === "group" ? `group ${subject.group}` : `store ${subject.store}`;
}

/** `Window of group DE: mon-sat 02:00 for 3h, Europe/Berlin (set by admin at …)`. */
export function windowLine(setting: WindowSetting): string {
  const { window } = setting;
  return `Window of ${subjectText(setting.subject)}: ${formatDays(window.days)} ${window.start} for ${formatMinutes(window.durationMinutes)}, ${window.tz} (set by ${setting.setBy} at ${setting.setAt})`;
}

export function formatWindowList(list: Answer<"listWindows">): string {
  const windows =
    list.windows.length === 0
      ? "No maintenance windows set: stores install whenever a task reaches them."
      : textTable(
          ["SUBJECT", "ZONE", "DAYS", "START", "DURATION", "SET BY", "SET AT"],
          list.windows.map((s) => [
            subjectText(s.subject),
            s.window.tz,
            formatDays(s.window.days),
            s.window.start,
            formatMinutes(s.window.durationMinutes),
            s.setBy,
            s.setAt,
          ]),
        );
  if (list.stores.length === 0) return windows;
  const stores = textTable(
    ["STORE", "ZONE", "CONTACT", "SET BY", "SET AT"],
    list.stores.map((s) => [s.store, s.tz ?? "-", s.contact ?? "-", s.setBy, s.setAt]),
  );
  return `${windows}\n\nStore settings:\n${stores}`;
}

export function storeLine(setting: StoreSetting): string {
  return `Store ${setting.store}: zone ${setting.tz ?? "- (inherited windows keep theirs)"}, contact ${setting.contact ?? "-"} (set by ${setting.setBy} at ${setting.setAt})`;
}

function scopeText(blackout: Blackout): string {
  return blackout.group === null ? "platform maintenance" : `group ${blackout.group}`;
}

/** `blackout 2: platform maintenance 2026-12-24 00:00Z to 2026-12-27 00:00Z: Christmas freeze`. */
export function blackoutLine(blackout: Blackout): string {
  return `blackout ${blackout.id}: ${scopeText(blackout)} ${shortInstant(blackout.from)} to ${shortInstant(blackout.to)}: ${blackout.reason}${blackout.active ? " (active now)" : ""}`;
}

/** `cancelled: #3 spring (at 2026-12-24T02:00Z, owner anna)`. */
export function cancelledLine(task: Cancelled): string {
  const at = task.at.replace(/:\d\d(\.\d+)?Z$/, "Z");
  return `cancelled: #${task.id} ${task.name} (at ${at}, owner ${task.createdBy})`;
}

export function blackoutAddedText(added: Answer<"addBlackout">): string {
  return [
    `Added ${blackoutLine(added.blackout)}`,
    ...(added.cancelled.length === 0
      ? ["No scheduled task overlapped it."]
      : added.cancelled.map(cancelledLine)),
  ].join("\n");
}

export function formatBlackoutTable(list: Answer<"listBlackouts">, all: boolean): string {
  if (list.length === 0)
    return all ? "No blackouts." : "No current or upcoming blackouts (--all shows ended ones).";
  return textTable(
    ["ID", "FROM", "TO", "APPLIES TO", "STATE", "CREATED BY", "REASON"],
    list.map((b) => [
      b.id,
      shortInstant(b.from),
      shortInstant(b.to),
      b.group ?? "everything (platform)",
      b.active ? "active" : b.ended ? "ended" : "upcoming",
      b.createdBy,
      b.reason,
    ]),
  );
}

/** `Platform maintenance 2026-12-24 00:00Z to 2026-12-27 00:00Z: Christmas freeze (active now)`. */
export function noticeLine(notice: Notice): string {
  return `Platform maintenance ${shortInstant(notice.from)} to ${shortInstant(notice.to)}: ${notice.reason}${notice.active ? " (active now)" : ""}`;
}
