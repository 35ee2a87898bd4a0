// What every console command shares: flags turned into requests checked against the API
// contract (a command line the coordinator would refuse is a usage error), and output.

import { readFile } from "node:fs/promises";
import { validate } from "@tillroll/protocol";
import type { z } from "zod";
import type { FiltersInput } from "../fleet/filter-schema.js";
import { FILTER_NAMES, FILTER_PARAMS } from "../fleet/filters.js";
import { ConsoleError, UsageError } from "./console-client.js";
import type { CliValues } from "./options.js";

/** The console flag of each request field (camelCase API names → kebab-case flags). */
const FLAG_OF: Readonly<Record<string, string>> = {
  ...Object.fromEntries(FILTER_NAMES.map((name) => [name, FILTER_PARAMS[name]])),
  validFrom: "valid-from",
  dryRun: "dry-run",
  drain: "drain-minutes",
};

/**
 * A contract error in the console's words: `filters.store.1: ...` and
 * `validFrom: ...` become `--store: ...` and `--valid-from: ...`.
 */
export function inFlagTerms(message: string): string {
  return message
    .split("\n")
    .map((line) => {
      const match = /^([A-Za-z0-9_.-]+): /.exec(line);
      if (match === null) return line;
      const path = (match[1] as string).split(".").filter((part) => !/^\d+$/.test(part));
      const field = path[0] === "filters" && path.length > 1 ? path[1] : path[0];
      if (field === undefined || field === "filters") return line;
      return `--${FLAG_OF[field] ?? field}: ${line.slice(match[0].length)}`;
    })
    .join("\n");
}

/** Checks a request against the route's schema before sending it: a bad command line is a usage error. */
export function checked<T>(schema: z.ZodType, data: T, command: string): T {
  const result = validate(schema, data);
  if (!result.ok)
    throw new UsageError(
      `${command}: ${inFlagTerms(result.error).split("\n").join(`\n${command}: `)}`,
    );
  return data;
}

/** The filters given as flags, in the API's query spelling: a repeated flag is a list, commas split later. */
export function filtersOf(values: CliValues, omit: readonly string[] = []): FiltersInput {
  const filters: Record<string, string | string[]> = {};
  for (const name of FILTER_NAMES) {
    const flag = FILTER_PARAMS[name];
    const given = values[flag as keyof CliValues] as string[] | undefined;
    if (given === undefined || omit.includes(flag)) continue;
    filters[flag] = given.length === 1 ? (given[0] as string) : given;
  }
  return filters;
}

/** Filters as a query string: one parameter per value given. */
export function queryOf(filters: FiltersInput): URLSearchParams {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) {
    if (value === undefined) continue;
    for (const one of typeof value === "string" ? [value] : value) query.append(name, one);
  }
  return query;
}

/** The one value of a flag that takes one (`--function` for set-preferred, `--group` for enrolment). */
export function single(
  values: CliValues,
  flag: "function" | "group",
  command: string,
): string | undefined {
  const given = [...new Set((values[flag] ?? []).flatMap((value) => value.split(",")))];
  if (given.length > 1) {
    throw new UsageError(`${command}: --${flag} takes one value, got ${given.join(", ")}`);
  }
  return given[0];
}

export function out(text: string): void {
  process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}

/**
 * The text of a file a command was given (`--file F`); one it cannot read is
 * a ConsoleError naming `what` and why (no such file, a folder, the code).
 */
export async function readGivenFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a folder" : code;
    throw new ConsoleError(`cannot read ${what} ${path}: ${why ?? String(error)}`);
  }
}
