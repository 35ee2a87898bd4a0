/**
 * The console's exit codes, one table for the code, the help text and the
 * tests. A change (set-preferred, retry) reports how far it got: all rows
 * changed, some skipped, or none changed; everything else is 0 or an error.
 */
export const EXIT_CODES = {
  /** Done: every matching row changed (or would, with --dry-run). */
  ok: 0,
  /** Refused by the coordinator, or it could not be reached: nothing changed. */
  error: 1,
  /** The command line is wrong (unknown flag, missing or conflicting flags, bad value): nothing sent. */
  usage: 2,
  /** Partial: some rows changed, some were skipped (their reasons are printed). */
  partial: 3,
  /** Nothing matched, or every matching row was skipped: nothing changed. */
  nothingChanged: 4,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** The exit-code section of `tillroll --help`. */
export const EXIT_CODES_HELP = `Exit codes:
  ${EXIT_CODES.ok}  done: every matching row changed (with --dry-run: would change)
  ${EXIT_CODES.error}  error: refused by the coordinator or it cannot be reached; nothing changed
  ${EXIT_CODES.usage}  usage error: unknown flag, missing or conflicting flags, bad value; nothing sent
  ${EXIT_CODES.partial}  partial: some rows changed, some were skipped (reasons printed)
  ${EXIT_CODES.nothingChanged}  nothing matched, or every matching row was skipped; nothing changed
`;

/** The exit code of a change's report (set-preferred, retry; dry run or not). */
export function changeExitCode(report: {
  changed: readonly unknown[];
  skipped: readonly unknown[];
}): ExitCode {
  if (report.changed.length === 0) return EXIT_CODES.nothingChanged;
  if (report.skipped.length > 0) return EXIT_CODES.partial;
  return EXIT_CODES.ok;
}
