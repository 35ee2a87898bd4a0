import type { BlackoutInput } from "./schedule-console.js";

/**
 * The check of a blackout's period and reason (`blackout add`), pure: the
 * API's request schema and the schedule operations (for in-process callers)
 * refuse the same input with the same sentence.
 */

/** Longest blackout reason. */
export const MAX_REASON_LENGTH = 200;

/** What is wrong with a blackout's period or reason at `nowMs`, naming the field; null: nothing. */
export function blackoutProblem(input: BlackoutInput, nowMs: number): string | null {
  const from = Date.parse(input.from);
  const to = Date.parse(input.to);
  if (Number.isNaN(from)) return `from: ${JSON.stringify(input.from)} is not a timestamp`;
  if (Number.isNaN(to)) return `to: ${JSON.stringify(input.to)} is not a timestamp`;
  if (to <= from) return `to: ${input.to} is not after from ${input.from}`;
  if (to <= nowMs) return `to: ${input.to} is in the past: the blackout would be over already`;
  const reason = input.reason.trim();
  if (reason === "") return "reason: is blank: say why (--reason TEXT)";
  if (reason.length > MAX_REASON_LENGTH)
    return `reason: is longer than ${MAX_REASON_LENGTH} characters`;
  return null;
}
