import * as z from "zod";

/**
 * Maintenance windows (issue 11): when a store's workstations may install,
 * in the store's own time zone. Pure: the agent evaluates its window offline
 * (a store that lost its uplink still updates only inside it) and the
 * coordinator evaluates the same windows for release stages, so both import
 * this one calculus. CONTRACT FILE: the schema and the signatures below are
 * the shared interface; window-calculus.ts implements them.
 *
 * Semantics (README "Maintenance windows"):
 * - A window opens on each listed weekday at `start`, local wall-clock time
 *   in `tz` (an IANA zone), and stays open `durationMinutes` of real
 *   (elapsed) time. A window crossing midnight belongs to the day it opens.
 * - Spring forward: a `start` that does not exist that night (02:30 when
 *   clocks jump 02:00 -> 03:00) opens at the first instant after the gap
 *   (03:00 local); it still stays open `durationMinutes`.
 * - Autumn back: a `start` that happens twice (02:30 when clocks go
 *   03:00 -> 02:00) opens at its first occurrence (the summer-time one).
 */

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Longest window: a day (a longer one would overlap the next day's opening). */
export const MAX_WINDOW_MINUTES = 24 * 60;

export interface MaintenanceWindow {
  /** IANA time zone, e.g. "Europe/Berlin". */
  readonly tz: string;
  /** Weekdays the window opens on, in WEEKDAYS order, no duplicates, at least one. */
  readonly days: Weekday[];
  /** Local opening time "HH:MM" (00:00 to 23:59). */
  readonly start: string;
  /** 1 to MAX_WINDOW_MINUTES. */
  readonly durationMinutes: number;
}

/** One opening of a window: [opensAt, closesAt) in ms since the epoch. */
export interface WindowSpan {
  readonly opensAt: number;
  readonly closesAt: number;
}

/** Whether `tz` is an IANA zone this runtime knows (Intl). */
export function isTimeZone(tz: string): boolean {
  if (tz.length === 0 || tz.length > 64) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;

/** The zod schema (strict; errors name the field): in desired documents and coordinator files. */
export const maintenanceWindowSchema = z
  .strictObject({
    tz: z
      .string()
      .max(64)
      .refine(isTimeZone, {
        error: (issue) =>
          `${JSON.stringify(issue.input)} is not an IANA time zone (like Europe/Berlin)`,
      })
      .meta({
        description:
          "IANA time zone of the store (not expressed in this JSON Schema: it must be a zone the IANA database knows)",
        examples: ["Europe/Berlin"],
      }),
    days: z
      .array(z.enum(WEEKDAYS))
      .min(1, { error: "needs at least one day" })
      .max(7)
      .refine((days) => new Set(days).size === days.length, { error: "lists a day twice" })
      .meta({
        description: "Weekdays the window opens on",
        // The refinement above, for JSON Schema validators.
        uniqueItems: true,
        examples: [["mon", "tue", "wed", "thu", "fri", "sat"]],
      }),
    start: z
      .string()
      .regex(HH_MM, { error: (issue) => `${JSON.stringify(issue.input)} is not a time like 02:00` })
      .meta({ description: "Local opening time HH:MM", examples: ["02:00"] }),
    durationMinutes: z
      .number()
      .int()
      .min(1)
      .max(MAX_WINDOW_MINUTES)
      .meta({ description: "How long it stays open (elapsed minutes)", examples: [180] }),
  })
  .meta({ description: "A maintenance window in the store's own time zone" });
