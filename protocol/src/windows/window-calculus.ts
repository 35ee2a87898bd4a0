import type { MaintenanceWindow, Weekday, WindowSpan } from "./maintenance-window.js";

/**
 * CONTRACT STUBS (issue 11): signatures fixed by the lead; the protocol
 * helper implements them (with luxon) and table-tests them. Semantics in
 * maintenance-window.ts and /work/SCHEDULE-SEMANTICS.md.
 */

/** The opening that contains `instantMs`, or null when the window is closed then. */
export function openSpanAt(window: MaintenanceWindow, instantMs: number): WindowSpan | null {
  void window;
  void instantMs;
  throw new Error("not implemented yet (issue 11)");
}

/** The opening containing `instantMs`, else the next one after it (a window always opens again). */
export function nextSpan(window: MaintenanceWindow, instantMs: number): WindowSpan {
  void window;
  void instantMs;
  throw new Error("not implemented yet (issue 11)");
}

/**
 * Whether an install may start at `instantMs`: the window is open and at
 * least `minMinutes` of it remain. Otherwise, when the next usable opening is.
 */
export function installGate(
  window: MaintenanceWindow,
  instantMs: number,
  minMinutes: number,
): { open: true; closesAt: number } | { open: false; opensAt: number } {
  void window;
  void instantMs;
  void minMinutes;
  throw new Error("not implemented yet (issue 11)");
}

/** Milliseconds of open window in [fromMs, toMs): a stage's time budget counts only these. */
export function windowTimeBetween(window: MaintenanceWindow, fromMs: number, toMs: number): number {
  void window;
  void fromMs;
  void toMs;
  throw new Error("not implemented yet (issue 11)");
}

/** The instant at which `budgetMs` of open window has passed since `fromMs` (timeouts in window mode). */
export function windowDeadline(
  window: MaintenanceWindow,
  fromMs: number,
  budgetMs: number,
): number {
  void window;
  void fromMs;
  void budgetMs;
  throw new Error("not implemented yet (issue 11)");
}

/** "opens 02:00 Europe/Berlin" style text for a span: local time of opensAt (and the date when not today). */
export function describeOpening(window: MaintenanceWindow, opensAt: number, nowMs: number): string {
  void window;
  void opensAt;
  void nowMs;
  throw new Error("not implemented yet (issue 11)");
}

/** "mon-sat", "mon,wed,fri", "sat-mon" (wraps), "mon-fri,sun" → days in WEEKDAYS order; errors name the bad part. */
export function parseDays(
  text: string,
): { ok: true; value: Weekday[] } | { ok: false; error: string } {
  void text;
  throw new Error("not implemented yet (issue 11)");
}

/** Days as the CLI shows them: "mon-sat", "mon,wed,fri". */
export function formatDays(days: readonly Weekday[]): string {
  void days;
  throw new Error("not implemented yet (issue 11)");
}
