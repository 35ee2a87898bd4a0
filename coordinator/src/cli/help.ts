import { isFilterFlag, usageLine } from "./command-line.js";
import { flagWithValue } from "./command-spec.js";
import { COMMANDS, type CommandSpec } from "./command-specs.js";
import { EXIT_CODES_HELP } from "./exit-codes.js";
import { OPTIONS } from "./options.js";

const FILTERS_HELP = `Filters (status, versions, set-preferred, retry):
  --store S --workstation W --function F --active-version V|- --preferred-version V|-
  --status STATUS --group G (matches subgroups) --valid-from-from ISO --valid-from-to ISO
  Every filter but the two valid-from bounds takes a list: repeat the flag or separate values
  with commas (--store 1001 --store 2002, or --store 1001,2002). A row matches when it has any
  of a filter's values, and every filter given must hold.`;

const CHANGES_HELP = `Changes (set-preferred, retry):
  A change needs filters that narrow it (for set-preferred, --function alone does not), or
  --all to act on the whole fleet; --all with filters is refused.
  --dry-run prints the rows that would change and the rows that would be skipped, with
  reasons, and changes nothing.`;

const CONSOLE_HELP = `Console commands find the coordinator with --url / TILLROLL_URL (default
http://127.0.0.1:8080) and the token with --token / TILLROLL_TOKEN / --data DIR
(DIR/operator-token), else the token \`tillroll login\` saved for the URL, else
./data/operator-token.`;

/** `tillroll --help`: every command with its summary, then filters, changes and exit codes. */
export function generalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => `${c.name} ${c.args.join(" ")}`.length));
  const lines = COMMANDS.map(
    (c) => `  tillroll ${`${c.name} ${c.args.join(" ")}`.padEnd(width)}  ${c.summary}`,
  );
  return [
    "tillroll: fleet updates for retail workstations.",
    "",
    "Commands (tillroll COMMAND --help shows a command's flags and examples):",
    ...lines,
    "  tillroll --version",
    "",
    CONSOLE_HELP,
    "",
    FILTERS_HELP,
    "",
    CHANGES_HELP,
    "",
    EXIT_CODES_HELP,
  ].join("\n");
}

/** `tillroll COMMAND --help`: usage, what it does, each flag, examples. */
export function commandHelp(spec: CommandSpec): string {
  const flags = spec.flags.map((flag) => {
    const option = OPTIONS[flag];
    const name = flagWithValue(spec, flag);
    // A command's own words for a flag (blackout list --all) replace the general ones.
    const own = spec.flagHelp?.[flag];
    if (own !== undefined) return `  ${name.padEnd(28)} ${own}`;
    const list = "multiple" in option && !flag.startsWith("valid-from") ? " (a list)" : "";
    return `  ${name.padEnd(28)} ${option.description}${list}`;
  });
  const takesFilters = spec.flags.some((f) => isFilterFlag(spec, f));
  // set-preferred and retry (--all there acts on the whole fleet; blackout list --all lists more).
  const isChange = spec.flags.includes("dry-run");
  return [
    `Usage: tillroll ${usageLine(spec)}`,
    "",
    `${spec.summary[0]?.toUpperCase()}${spec.summary.slice(1)}.`,
    ...(spec.details ?? []),
    ...(flags.length === 0
      ? []
      : ["", "Flags:", ...flags, `  ${"--help, -h".padEnd(28)} this help`]),
    ...(takesFilters ? ["", FILTERS_HELP] : []),
    ...(isChange ? ["", CHANGES_HELP] : []),
    "",
    "Examples:",
    ...spec.examples.map((e) => `  ${e}`),
    "",
    EXIT_CODES_HELP,
  ].join("\n");
}
