import { parseArgs } from "node:util";
import { flagWithValue } from "./command-spec.js";
import {
  COMMANDS,
  type CommandSpec,
  findCommand,
  MOVED_COMMANDS,
  subcommandsOf,
} from "./command-specs.js";
import { UsageError } from "./console-client.js";
import {
  type CliValues,
  CONSOLE_FLAGS,
  FILTER_FLAGS,
  OPTIONS,
  type OptionName,
} from "./options.js";
import { nearest } from "./suggest.js";

/** What the command line asks for. */
export type CommandLine =
  | { kind: "version" }
  | { kind: "help"; spec?: CommandSpec }
  | { kind: "run"; spec: CommandSpec; args: string[]; values: CliValues };

const isOption = (name: string): name is OptionName => Object.hasOwn(OPTIONS, name);
const flagOf = (name: string) => (name.length === 1 ? `-${name}` : `--${name}`);

/**
 * Reads `tillroll`'s arguments against the command table. Every mistake is
 * a UsageError in one sentence that names the flag or word and what to do,
 * never the Node parser's text: an unknown flag gets the nearest one of that
 * command, a flag of another command is named as such, extra words are
 * refused.
 */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V"))
    return { kind: "version" };
  const { tokens } = parseArgs({
    args: [...argv],
    options: OPTIONS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  // Words after `--` are positionals too: parseArgs marks them so.
  const words = tokens.flatMap((t) => (t.kind === "positional" ? [t.value] : []));
  const wantsHelp = tokens.some((t) => t.kind === "option" && t.name === "help");
  if (words[0] === "help") return helpFor(words.slice(1));
  if (words.length === 0) {
    if (wantsHelp || tokens.length === 0) return { kind: "help" };
    const first = tokens.find((t) => t.kind === "option");
    throw new UsageError(
      `${first?.kind === "option" ? first.rawName : argv[0]}: give a command first (tillroll --help lists them)`,
    );
  }
  const found = findCommand(words);
  if (found === undefined) throw unknownCommand(words);
  const { spec, rest } = found;
  if (wantsHelp) return { kind: "help", spec };

  const values: Record<string, unknown> = {};
  for (const token of tokens) {
    if (token.kind !== "option") continue;
    const name = token.name;
    const label = `${spec.name}: ${token.rawName}`;
    if (!isOption(name) || !spec.flags.includes(name)) {
      const guess = nearest(name, spec.flags);
      const why = isOption(name) ? `is not a flag of ${spec.name}` : "is not a flag";
      throw new UsageError(
        `${label} ${why}${guess === undefined ? "" : `; did you mean ${flagOf(guess)}?`} (tillroll ${spec.name} --help lists its flags)`,
      );
    }
    const option = OPTIONS[name];
    if (option.type === "boolean") {
      if (token.value !== undefined)
        throw new UsageError(`${label} takes no value (got ${JSON.stringify(token.value)})`);
      values[name] = true;
      continue;
    }
    const value = token.value;
    if (value === undefined || (!token.inlineValue && value.startsWith("--")))
      throw new UsageError(
        `${label} needs a value (${flagOf(name)} ${option.value ?? "VALUE"})${value === undefined ? "" : `, got the flag ${value}`}`,
      );
    if ("multiple" in option) {
      values[name] = [...((values[name] as string[] | undefined) ?? []), value];
    } else {
      if (values[name] !== undefined && values[name] !== value)
        throw new UsageError(
          `${label} is given twice (${values[name]} and ${value}): give it once`,
        );
      values[name] = value;
    }
  }
  if (rest.length > spec.args.length) {
    throw new UsageError(
      `${spec.name}: unexpected argument ${JSON.stringify(rest[spec.args.length])}: it takes ${spec.args.length === 0 ? "no arguments" : spec.args.join(" ")} (tillroll ${spec.name} --help)`,
    );
  }
  if (rest.length < spec.args.length) {
    throw new UsageError(
      `${spec.name}: ${spec.args[rest.length]} is missing: tillroll ${usageLine(spec)}`,
    );
  }
  for (const flag of spec.required ?? []) {
    if (values[flag] === undefined)
      throw new UsageError(
        `${spec.name}: ${flagOf(flag)} is required: tillroll ${usageLine(spec)}`,
      );
  }
  return { kind: "run", spec, args: rest, values: values as CliValues };
}

function helpFor(words: string[]): CommandLine {
  if (words.length === 0) return { kind: "help" };
  const found = findCommand(words);
  if (found === undefined) throw unknownCommand(words);
  return { kind: "help", spec: found.spec };
}

function unknownCommand(words: readonly string[]): UsageError {
  const [first = "", second] = words;
  const moved = MOVED_COMMANDS.get(first);
  if (moved !== undefined) return new UsageError(`${first}: ${moved}`);
  const subs = subcommandsOf(first);
  if (subs.length > 0) {
    const names = subs.map((s) => s.name.split(" ")[1] as string);
    const guess = second === undefined ? undefined : nearest(second, names);
    return new UsageError(
      second === undefined
        ? `${first}: say which: ${subs.map((s) => s.name).join(", ")}`
        : `${first} ${second}: unknown${guess === undefined ? "" : `; did you mean ${first} ${guess}?`} (known: ${subs.map((s) => s.name).join(", ")})`,
    );
  }
  const names = [...new Set(COMMANDS.map((s) => s.name.split(" ")[0] as string))];
  const guess = nearest(first, names);
  return new UsageError(
    `unknown command ${JSON.stringify(first)}${guess === undefined ? "" : `; did you mean ${guess}?`} (tillroll --help lists the commands)`,
  );
}

/**
 * Whether `flag` is a row filter in `spec` (listed as `[filters]`, explained by the filters
 * help): a filter flag the command gives its own meaning (`window set --group`) is not.
 */
export function isFilterFlag(spec: CommandSpec, flag: OptionName): boolean {
  return (FILTER_FLAGS as readonly string[]).includes(flag) && spec.flagHelp?.[flag] === undefined;
}

/** `set-preferred --function F --version V|- [filters] [--valid-from ISO] …` (console flags left out). */
export function usageLine(spec: CommandSpec): string {
  const required = new Set(spec.required ?? []);
  const flagText = (flag: OptionName) => flagWithValue(spec, flag);
  const parts = [spec.name, ...spec.args, ...[...required].map(flagText)];
  if (spec.flags.some((f) => isFilterFlag(spec, f) && !required.has(f))) parts.push("[filters]");
  for (const flag of spec.flags) {
    if (required.has(flag) || isFilterFlag(spec, flag)) continue;
    if ((CONSOLE_FLAGS as readonly string[]).includes(flag)) continue;
    parts.push(`[${flagText(flag)}]`);
  }
  return parts.join(" ");
}
