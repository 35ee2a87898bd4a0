import { recipeContentSchema, validate } from "@tillroll/protocol/pure";
import { type Answer, API_ROUTES, type RequestBody } from "../api/routes.js";
import { checked, filtersOf, out, queryOf, readGivenFile, single } from "./command-args.js";
import { callRoute, resolveTarget, UsageError } from "./console-client.js";
import { EXIT_CODES, type ExitCode } from "./exit-codes.js";
import type { CliValues } from "./options.js";
import {
  formatHistory,
  formatRecipeSet,
  formatRecipeShow,
  formatUpdates,
  scopeText,
} from "./recipe-render.js";

export const RECIPE_USAGE = `usage: tillroll recipe set FUNCTION --group G|--store S|--workstation S/W --file F [--json]
       tillroll recipe show FUNCTION [--group G|--store S|--workstation S/W] [--effective S/W] [--json]
       tillroll recipe history FUNCTION [--json]
       tillroll recipe unset FUNCTION --group G|--store S|--workstation S/W [--json]`;

type ScopeFields = { group?: string; store?: string; workstation?: string };

/** The one value of a list flag where the recipe commands take one. */
function one(values: CliValues, flag: "group" | "store" | "workstation", command: string) {
  const given = [...new Set((values[flag] ?? []).flatMap((value) => value.split(",")))];
  if (given.length > 1)
    throw new UsageError(`${command}: --${flag} takes one value, got ${given.join(", ")}`);
  return given[0];
}

/** `--group G`, `--store S` or `--workstation S/W` (exactly one; none when `optional`). */
export function recipeScopeFlags(
  values: CliValues,
  command: string,
  optional = false,
): ScopeFields {
  const group = one(values, "group", command);
  const store = one(values, "store", command);
  const ws = one(values, "workstation", command);
  const given = [group, store, ws].filter((v) => v !== undefined).length;
  if (given === 0 && optional) return {};
  if (given !== 1)
    throw new UsageError(
      `${command}: give one of --group G, --store S, --workstation S/W\n${RECIPE_USAGE}`,
    );
  if (group !== undefined) return { group };
  if (store !== undefined) return { store };
  const [wsStore, workstation, extra] = (ws as string).split("/");
  if (wsStore === undefined || workstation === undefined || extra !== undefined || wsStore === "")
    throw new UsageError(
      `${command}: --workstation ${JSON.stringify(ws)} is not STORE/WS (e.g. 1001/01)`,
    );
  return { store: wsStore, workstation };
}

/** The recipe file of `recipe set --file F`, checked here first (errors name the field). */
export async function readRecipeFile(path: string): Promise<unknown> {
  const text = await readGivenFile(path, "the recipe");
  let recipe: unknown;
  try {
    recipe = JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`recipe set: ${path} is not JSON: ${(error as Error).message}`);
  }
  const valid = validate(recipeContentSchema, recipe);
  if (!valid.ok)
    throw new UsageError(
      valid.error
        .split("\n")
        .map((line) => `recipe set: ${path}: ${line}`)
        .join("\n"),
    );
  return recipe;
}

function functionArg(fn: string | undefined, command: string): string {
  if (fn === undefined) throw new UsageError(`${command} takes FUNCTION\n${RECIPE_USAGE}`);
  return fn;
}

const print = (json: boolean, value: unknown, text: () => string) =>
  out(json ? JSON.stringify(value, null, 2) : text());

/** `tillroll recipe set|show|history|unset FUNCTION`. */
export async function runRecipeCommand(args: string[], values: CliValues): Promise<ExitCode> {
  const [sub = "", fnArg, extra] = args;
  const json = values.json === true;
  if (extra !== undefined)
    throw new UsageError(`recipe ${sub}: unexpected ${JSON.stringify(extra)}\n${RECIPE_USAGE}`);
  switch (sub) {
    case "set": {
      const fn = functionArg(fnArg, "recipe set");
      const scope = recipeScopeFlags(values, "recipe set");
      if (values.file === undefined) throw new UsageError("recipe set: --file F is required");
      const recipe = await readRecipeFile(values.file);
      const body = checked(
        API_ROUTES.setRecipe.body.schema,
        { function: fn, ...scope, recipe } as RequestBody<"setRecipe">,
        "recipe set",
      );
      const target = await resolveTarget(values, process.env);
      const answer = await callRoute(target, "setRecipe", { body });
      print(json, answer, () => formatRecipeSet(answer));
      return EXIT_CODES.ok;
    }
    case "show": {
      const fn = functionArg(fnArg, "recipe show");
      const scope = recipeScopeFlags(values, "recipe show", true);
      const query = new URLSearchParams({ function: fn, ...scope });
      if (values.effective !== undefined) query.set("effective", values.effective);
      const target = await resolveTarget(values, process.env);
      const answer = await callRoute(target, "showRecipe", { query });
      print(json, answer, () => formatRecipeShow(answer));
      return EXIT_CODES.ok;
    }
    case "history": {
      const fn = functionArg(fnArg, "recipe history");
      const target = await resolveTarget(values, process.env);
      const answer = await callRoute(target, "recipeHistory", {
        query: new URLSearchParams({ function: fn }),
      });
      print(json, answer, () => formatHistory(answer));
      return EXIT_CODES.ok;
    }
    case "unset": {
      const fn = functionArg(fnArg, "recipe unset");
      const scope = recipeScopeFlags(values, "recipe unset");
      const body = checked(
        API_ROUTES.unsetRecipe.body.schema,
        { function: fn, ...scope } as RequestBody<"unsetRecipe">,
        "recipe unset",
      );
      const target = await resolveTarget(values, process.env);
      const answer = await callRoute(target, "unsetRecipe", { body });
      print(json, answer, () =>
        [
          `Unset the ${answer.function} recipe at ${scopeText(answer.scope)} (version ${answer.version})`,
          ...affectsLines(answer.affects),
        ].join("\n"),
      );
      return EXIT_CODES.ok;
    }
    default:
      throw new UsageError(RECIPE_USAGE);
  }
}

export function affectsLines(affects: readonly string[]): string[] {
  if (affects.length === 0) return ["No row's effective recipe changed."];
  return [
    `${affects.length} row(s) affected (tillroll updates lists them, tillroll rebuild applies it):`,
    ...affects.map((key) => `  ${key}`),
  ];
}

/** `tillroll updates [filters]`. */
export async function runUpdatesCommand(values: CliValues): Promise<ExitCode> {
  const filters = checked(API_ROUTES.updates.query, filtersOf(values), "updates");
  const target = await resolveTarget(values, process.env);
  const rows: Answer<"updates"> = await callRoute(target, "updates", { query: queryOf(filters) });
  print(values.json === true, rows, () => formatUpdates(rows));
  return EXIT_CODES.ok;
}

/** The body `tillroll rebuild` sends, checked against the contract first. */
export function rebuildRequest(values: CliValues): RequestBody<"rebuild"> {
  const fn = single(values, "function", "rebuild");
  if (fn === undefined) throw new UsageError("rebuild: --function F is required");
  const body: RequestBody<"rebuild"> = {
    function: fn,
    filters: filtersOf(values, ["function"]),
    all: values.all === true,
    dryRun: values["dry-run"] === true,
  };
  return checked(API_ROUTES.rebuild.body.schema, body, "rebuild");
}
