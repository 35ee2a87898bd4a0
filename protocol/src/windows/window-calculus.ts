import { DateTime, IANAZone } from "luxon";
import type { MaintenanceWindow, Weekday, WindowSpan } from "./maintenance-window.js";
import { WEEKDAYS } from "./maintenance-window.js";

/**
 * The window calculus (issue 11): pure functions of a window and instants in
 * ms since the epoch. Semantics in maintenance-window.ts; PROTOCOL.md
 * "Maintenance windows" documents them for agent authors.
 *
 * Cost: every question looks at the openings of at most ~10 local days
 * around the instant (never a loop over minutes), so the agent and the
 * coordinator can ask it per row per tick.
 */

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
/** Local days looked at before the instant: a window of up to 24 h opened yesterday may still be open. */
const DAYS_BACK = 2;
/** Local days looked at after it: every weekly window opens within 7 days. */
const DAYS_AHEAD = 8;

/** The opening that contains `instantMs`, or null when the window is closed then. */
export function openSpanAt(window: MaintenanceWindow, instantMs: number): WindowSpan | null {
  const span = nextSpan(window, instantMs);
  return span.opensAt <= instantMs ? span : null;
}

/**
 * The opening containing `instantMs`, else the next one after it (a window always opens again).
 * Openings that overlap or touch (24 h windows on a DST night, a daily 24 h
 * window) are one span: the window is open throughout.
 */
export function nextSpan(window: MaintenanceWindow, instantMs: number): WindowSpan {
  for (const span of mergedSpans(window, instantMs)) {
    if (span.closesAt > instantMs) return span;
  }
  // Unreachable for a valid window (it opens at least weekly); a clear error beats a wrong answer.
  throw new Error(`window ${JSON.stringify(window)} has no opening within ${DAYS_AHEAD} days`);
}

/**
 * Whether an install may start at `instantMs`: the window is open and at
 * least `minMinutes` of it remain. Otherwise, when the next usable opening is.
 * A window shorter than `minMinutes` asks for its whole length instead (else
 * it would never allow an install): each fresh opening is then usable.
 */
export function installGate(
  window: MaintenanceWindow,
  instantMs: number,
  minMinutes: number,
): { open: true; closesAt: number } | { open: false; opensAt: number } {
  const neededMs = Math.min(Math.max(0, minMinutes), window.durationMinutes) * MINUTE_MS;
  const current = openSpanAt(window, instantMs);
  if (current !== null && current.closesAt - instantMs >= neededMs)
    return { open: true, closesAt: current.closesAt };
  let cursor = current === null ? instantMs : current.closesAt;
  // Every opening lasts at least durationMinutes, so the first one after the
  // cursor suffices; the bound only guards against a wrong assumption.
  for (let tries = 0; tries < 16; tries += 1) {
    const span = nextSpan(window, cursor);
    if (span.closesAt - span.opensAt >= neededMs) return { open: false, opensAt: span.opensAt };
    cursor = span.closesAt;
  }
  return { open: false, opensAt: nextSpan(window, cursor).opensAt };
}

/** Milliseconds of open window in [fromMs, toMs): a stage's time budget counts only these. */
export function windowTimeBetween(window: MaintenanceWindow, fromMs: number, toMs: number): number {
  let total = 0;
  let cursor = fromMs;
  while (cursor < toMs) {
    const span = nextSpan(window, cursor);
    if (span.opensAt >= toMs) break;
    const start = Math.max(span.opensAt, cursor);
    const end = Math.min(span.closesAt, toMs);
    total += end - start;
    cursor = span.closesAt; // > cursor: nextSpan never returns a closed span
  }
  return total;
}

/** The instant at which `budgetMs` of open window has passed since `fromMs` (timeouts in window mode). */
export function windowDeadline(
  window: MaintenanceWindow,
  fromMs: number,
  budgetMs: number,
): number {
  let remaining = Math.max(0, budgetMs);
  let cursor = fromMs;
  if (remaining === 0) return fromMs;
  for (;;) {
    const span = nextSpan(window, cursor);
    const start = Math.max(span.opensAt, cursor);
    const available = span.closesAt - start;
    if (remaining <= available) return start + remaining;
    remaining -= available;
    cursor = span.closesAt;
  }
}

/**
 * "opens 02:00 Europe/Berlin" style text for a span: local time of opensAt,
 * with the weekday when it is not today ("opens Sat 02:00 Europe/Berlin"),
 * and the date too when it is a week or more away.
 */
export function describeOpening(window: MaintenanceWindow, opensAt: number, nowMs: number): string {
  const opens = DateTime.fromMillis(opensAt, { zone: window.tz });
  const now = DateTime.fromMillis(nowMs, { zone: window.tz });
  const time = opens.toFormat("HH:mm");
  // Whole local days between the two dates (calendar days, not 24 h periods).
  const days = Math.round(opens.startOf("day").diff(now.startOf("day"), "days").days);
  if (days === 0) return `opens ${time} ${window.tz}`;
  const weekday = opens.setLocale("en-US").toFormat("ccc");
  // Within the coming six days a weekday names one date; further, the date is needed.
  if (days > 0 && days < 7) return `opens ${weekday} ${time} ${window.tz}`;
  return `opens ${weekday} ${opens.toISODate()} ${time} ${window.tz}`;
}

/**
 * How a status `reason` starts while a service waits for its window (agent:
 * Prepared before the start, Not Ready when the window closed before the
 * stop), so the coordinator can tell waiting from not answering.
 */
export const WINDOW_WAIT_REASON_PREFIX = "waiting for the maintenance window";

/** "waiting for the maintenance window (opens 02:00 Europe/Berlin)": the agent's status reason. */
export function windowWaitReason(
  window: MaintenanceWindow,
  opensAt: number,
  nowMs: number,
): string {
  return `${WINDOW_WAIT_REASON_PREFIX} (${describeOpening(window, opensAt, nowMs)})`;
}

/** "mon-sat", "mon,wed,fri", "sat-mon" (wraps), "mon-fri,sun" → days in WEEKDAYS order; errors name the bad part. */
export function parseDays(
  text: string,
): { ok: true; value: Weekday[] } | { ok: false; error: string } {
  const trimmed = text.trim();
  if (trimmed === "") return { ok: false, error: "no days given (like mon-sat or mon,wed,fri)" };
  const chosen = new Set<number>();
  for (const raw of trimmed.split(",")) {
    const part = raw.trim().toLowerCase();
    if (part === "") return { ok: false, error: `${JSON.stringify(text)} has an empty part` };
    const ends = part.split("-");
    if (ends.length > 2)
      return {
        ok: false,
        error: `${JSON.stringify(raw.trim())} is not a day or a range like mon-sat`,
      };
    const indexes: number[] = [];
    for (const end of ends) {
      const index = WEEKDAYS.indexOf(end.trim() as Weekday);
      if (index < 0)
        return {
          ok: false,
          error: `${JSON.stringify(end.trim())} is not a day (${WEEKDAYS.join(", ")})`,
        };
      indexes.push(index);
    }
    const from = indexes[0] as number;
    const to = indexes[indexes.length - 1] as number;
    // A range wraps past Sunday when it ends before it starts: sat-mon = sat, sun, mon.
    const length = ((to - from + 7) % 7) + 1;
    for (let step = 0; step < length; step += 1) chosen.add((from + step) % 7);
  }
  return { ok: true, value: WEEKDAYS.filter((_, index) => chosen.has(index)) };
}

/**
 * Days as the CLI shows them: "mon-sat", "mon,wed,fri". Runs of three or
 * more days are ranges, a run across the week's end wrapped ("sat-mon",
 * "wed,fri-mon"); parseDays reads every form back.
 */
export function formatDays(days: readonly Weekday[]): string {
  const has = WEEKDAYS.map((day) => days.includes(day));
  const count = has.filter(Boolean).length;
  if (count === 0) return "";
  if (count === 7) return "mon-sun";
  // Start at a day whose predecessor is not chosen, so no run is split at the start.
  let first = 0;
  while (!(has[first] && !has[(first + 6) % 7])) first += 1;
  const runs: Array<[number, number]> = [];
  for (let offset = 0; offset < 7; offset += 1) {
    const index = (first + offset) % 7;
    if (!has[index]) continue;
    const last = runs[runs.length - 1];
    if (last !== undefined && (last[1] + 1) % 7 === index) last[1] = index;
    else runs.push([index, index]);
  }
  runs.sort((a, b) => a[0] - b[0]);
  return runs.flatMap((run) => runText(run)).join(",");
}

function runText([from, to]: [number, number]): string[] {
  const length = ((to - from + 7) % 7) + 1;
  if (length >= 3) return [`${WEEKDAYS[from]}-${WEEKDAYS[to]}`];
  const names: string[] = [];
  for (let step = 0; step < length; step += 1) names.push(WEEKDAYS[(from + step) % 7] as string);
  return names;
}

/**
 * Openings around `instantMs`, in order, overlapping or touching ones merged.
 * Stops at the first merged span that closes after the instant and can no
 * longer grow, so a typical question computes three or four openings.
 */
function mergedSpans(window: MaintenanceWindow, instantMs: number): WindowSpan[] {
  const zone = IANAZone.create(window.tz);
  if (!zone.isValid) throw new Error(`${JSON.stringify(window.tz)} is not an IANA time zone`);
  const [hour, minute] = window.start.split(":").map(Number) as [number, number];
  const durationMs = window.durationMinutes * MINUTE_MS;
  // The local calendar date of the instant, as a UTC midnight (plain date arithmetic from here).
  const localMs = instantMs + zone.offset(instantMs) * MINUTE_MS;
  const today = Date.UTC(
    new Date(localMs).getUTCFullYear(),
    new Date(localMs).getUTCMonth(),
    new Date(localMs).getUTCDate(),
  );
  const merged: Array<{ opensAt: number; closesAt: number }> = [];
  for (let offset = -DAYS_BACK; offset <= DAYS_AHEAD; offset += 1) {
    const day = new Date(today + offset * DAY_MS);
    const weekday = WEEKDAYS[(day.getUTCDay() + 6) % 7] as Weekday; // getUTCDay: 0 = Sunday
    if (!window.days.includes(weekday)) continue;
    const opensAt = wallClockInstant(
      zone,
      day.getUTCFullYear(),
      day.getUTCMonth() + 1,
      day.getUTCDate(),
      hour,
      minute,
    );
    const closesAt = opensAt + durationMs;
    const last = merged[merged.length - 1];
    if (last !== undefined && opensAt <= last.closesAt) {
      last.closesAt = Math.max(last.closesAt, closesAt);
      continue;
    }
    // `last` can no longer grow: done when it is the answer.
    if (last !== undefined && last.closesAt > instantMs) return merged;
    merged.push({ opensAt, closesAt });
  }
  return merged;
}

/**
 * The instant at which a zone's wall clock shows the given local time. A time
 * that happens twice (autumn) is its first occurrence; a time that does not
 * exist (spring gap) is the first instant after the gap.
 */
function wallClockInstant(
  zone: IANAZone,
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  // Real zones change offset at most once within a day either side.
  const offsetBefore = zone.offset(wall - DAY_MS);
  const offsetAfter = zone.offset(wall + DAY_MS);
  // The common case: no change near this day, the wall time exists once.
  if (offsetBefore === offsetAfter) return wall - offsetBefore * MINUTE_MS;
  const candidates = [wall - offsetBefore * MINUTE_MS, wall - offsetAfter * MINUTE_MS].filter(
    (instant) => wall - zone.offset(instant) * MINUTE_MS === instant,
  );
  if (candidates.length > 0) return Math.min(...candidates);
  // In the gap: the transition lies between the two readings; find it by bisection (ms exact).
  let low = wall - offsetAfter * MINUTE_MS; // still the old offset here
  let high = wall - offsetBefore * MINUTE_MS; // already the new offset here
  if (low > high) [low, high] = [high, low];
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (zone.offset(middle) === offsetBefore) low = middle;
    else high = middle;
  }
  return high;
}
