import { CONSOLE_FLAGS, OPTIONS, type OptionName } from "./options.js";

/**
 * Every `tillroll` command: its words, the positional arguments it takes
 * (exactly these), the flags it accepts, a one-line summary and examples.
 * The parser refuses anything else, and `tillroll COMMAND --help` prints it.
 */
export interface CommandSpec {
  /** The command's words: `status`, `workstation add`. */
  readonly name: string;
  /** Positional arguments after the words, by name (`STORE/WS`). */
  readonly args: readonly string[];
  readonly flags: readonly OptionName[];
  /** Flags that must be given (checked before anything is sent). */
  readonly required?: readonly OptionName[];
  readonly summary: string;
  /** More lines of help after the summary. */
  readonly details?: readonly string[];
  /** What a flag means for this command, where it differs from its general description. */
  readonly flagHelp?: Partial<Record<OptionName, string>>;
  /** A flag's value name for this command, where it differs (`migrate --from DATA`, not ISO). */
  readonly flagValues?: Partial<Record<OptionName, string>>;
  readonly examples: readonly string[];
}

/** A command's flags: its own, then the ones every console command takes (--url, --token, …). */
export const consoleFlags = (...flags: OptionName[]): OptionName[] => [...flags, ...CONSOLE_FLAGS];

/** `--flag VALUE` as the command's usage and help show it (`--all` for a boolean). */
export function flagWithValue(spec: CommandSpec, flag: OptionName): string {
  const option = OPTIONS[flag];
  if (option.type === "boolean") return `--${flag}`;
  const value = spec.flagValues?.[flag] ?? ("value" in option ? option.value : undefined);
  return `--${flag} ${value ?? "VALUE"}`;
}
