/**
 * Dates for tests that plan ahead (blackouts, scheduled tasks, a TestClock's
 * start). The coordinator refuses a start in the past and a TestClock cannot
 * go back, so a fixed date such as 2026-12-25 breaks the test once it has
 * passed. These compute the same kind of date relative to now instead. All
 * in UTC; `now` is injectable so the helpers themselves are table-tested.
 */

const DAY_MS = 24 * 60 * 60_000;

/** UTC midnight of the day `ms` falls on. */
function midnight(ms: number): number {
  return ms - (((ms % DAY_MS) + DAY_MS) % DAY_MS);
}

/**
 * UTC midnight at least `days` days after now's day; when `weekday` is given
 * (0 Sunday … 6 Saturday) the first such day on or after it.
 */
export function daysAhead(days: number, options: { weekday?: number; now?: number } = {}): Date {
  let at = midnight(options.now ?? Date.now()) + days * DAY_MS;
  if (options.weekday !== undefined)
    while (new Date(at).getUTCDay() !== options.weekday) at += DAY_MS;
  return new Date(at);
}

/**
 * The year of the next `month`/`day` (1-based month, UTC midnight) that is at
 * least `minDaysAhead` days after now: "next Christmas, a week away or more".
 */
export function nextYearOf(
  month: number,
  day: number,
  options: { minDaysAhead?: number; now?: number } = {},
): number {
  const earliest = (options.now ?? Date.now()) + (options.minDaysAhead ?? 0) * DAY_MS;
  let year = new Date(earliest).getUTCFullYear();
  while (Date.UTC(year, month - 1, day) < earliest) year += 1;
  return year;
}

/** `date` moved by `days` whole days. */
export function plusDays(date: Date, days: number): Date {
  return new Date(date.getTime() + days * DAY_MS);
}

/** "YYYY-MM-DD" of `date` in UTC. */
export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** "YYYY-MM-DDTHH:MM:00Z": `date`'s UTC day at `hhmm` ("02:00"). */
export function isoAt(date: Date, hhmm: string): string {
  return `${isoDay(date)}T${hhmm}:00Z`;
}

/** The first UTC day from `start` on that `accept`s, looking at most `maxDays` ahead. */
export function firstDayFrom(start: Date, accept: (day: Date) => boolean, maxDays = 400): Date {
  for (let i = 0; i < maxDays; i++) {
    const day = plusDays(start, i);
    if (accept(day)) return day;
  }
  throw new Error(`no accepted day within ${maxDays} days of ${isoDay(start)}`);
}
