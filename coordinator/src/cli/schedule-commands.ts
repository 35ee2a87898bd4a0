import { MAX_WINDOW_MINUTES, parseDays } from "@tillroll/protocol";
import { API_ROUTES, type RequestBody } from "../api/routes.js";
import { blackoutIdSchema } from "../api/schedule-requests.js";
import { durationMs } from "../releases/release-spec.js";
import { checked, out } from "./command-args.js";
import { callRoute, resolveTarget, UsageError } from "./console-client.js";
import { EXIT_CODES, type ExitCode } from "./exit-codes.js";
import type { CliValues } from "./options.js";
import {
  blackoutAddedText,
  blackoutLine,
  formatBlackoutTable,
  formatWindowList,
  storeLine,
  windowLine,
} from "./schedule-render.js";

export const WINDOW_USAGE = `usage: tillroll window set --group G|--store S --tz ZONE --days DAYS --start HH:MM --duration D [--json]
       tillroll window list [--json]
       tillroll window remove --group G|--store S [--json]`;
export const BLACKOUT_USAGE = `usage: tillroll blackout add --from ISO --to ISO --reason TEXT [--group G] [--json]
       tillroll blackout list [--all] [--json]
       tillroll blackout remove ID [--json]`;

/** The one value of a list flag (`--group`, `--store`) where a command takes one. */
function one(values: CliValues, flag: "group" | "store", command: string): string | undefined {
  const given = [...new Set((values[flag] ?? []).flatMap((value) => value.split(",")))];
  if (given.length > 1)
    throw new UsageError(`${command}: --${flag} takes one value, got ${given.join(", ")}`);
  return given[0];
}

/** `--group G` or `--store S`, exactly one: what a window is set on. */
export function windowSubject(
  values: CliValues,
  command: string,
): { group: string } | { store: string } {
  const group = one(values, "group", command);
  const store = one(values, "store", command);
  if ((group === undefined) === (store === undefined))
    throw new UsageError(`${command}: give --group G or --store S (one of them)\n${WINDOW_USAGE}`);
  return group !== undefined ? { group } : { store: store as string };
}

/** `--duration 3h` → 180 minutes: the release duration grammar, whole minutes, 1m to 24h. */
export function durationMinutes(text: string, command: string): number {
  let ms: number;
  try {
    ms = durationMs(text);
  } catch {
    throw new UsageError(
      `${command}: --duration ${JSON.stringify(text)} is not a duration like 3h, 1h30m or 45m`,
    );
  }
  if (ms % 60_000 !== 0)
    throw new UsageError(`${command}: --duration ${text} is not whole minutes`);
  const minutes = ms / 60_000;
  if (minutes < 1 || minutes > MAX_WINDOW_MINUTES)
    throw new UsageError(`${command}: --duration ${text} is not between 1m and 24h`);
  return minutes;
}

/** The body of `window set`, checked against the contract (errors name the flag). */
export function windowSetRequest(values: CliValues): RequestBody<"setWindow"> {
  const command = "window set";
  const subject = windowSubject(values, command);
  const days = parseDays(values.days ?? "");
  if (!days.ok) throw new UsageError(`${command}: --days: ${days.error}`);
  const window = {
    tz: values.tz ?? "",
    days: days.value,
    start: values.start ?? "",
    durationMinutes: durationMinutes(values.duration ?? "", command),
  };
  const body = { ...subject, window };
  const result = API_ROUTES.setWindow.body.schema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue?.path.at(-1);
    const flag = field === "durationMinutes" ? "duration" : String(field ?? "");
    throw new UsageError(`${command}: --${flag}: ${issue?.message ?? "is not valid"}`);
  }
  return body;
}

/** `store set STORE --contact ADDR --tz ZONE`: "" unsets (null), a flag left out keeps the value. */
export function storeSetRequest(store: string, values: CliValues): RequestBody<"setStore"> {
  if (values.tz === undefined && values.contact === undefined)
    throw new UsageError('store set: give --contact ADDR and/or --tz ZONE ("" unsets one)');
  const body: RequestBody<"setStore"> = {
    store,
    ...(values.tz === undefined ? {} : { tz: values.tz === "" ? null : values.tz }),
    ...(values.contact === undefined
      ? {}
      : { contact: values.contact === "" ? null : values.contact }),
  };
  const result = API_ROUTES.setStore.body.schema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = String(issue?.path[0] ?? "");
    const name = field === "store" ? "STORE" : `--${field}`;
    throw new UsageError(`store set: ${name}: ${issue?.message ?? "is not valid"}`);
  }
  return body;
}

export function blackoutAddRequest(values: CliValues): RequestBody<"addBlackout"> {
  const group = one(values, "group", "blackout add");
  const body: RequestBody<"addBlackout"> = {
    from: values.from ?? "",
    to: values.to ?? "",
    reason: values.reason ?? "",
    ...(group === undefined ? {} : { group }),
  };
  return checked(API_ROUTES.addBlackout.body.schema, body, "blackout add");
}

function blackoutIdArg(id: string | undefined): string {
  if (id === undefined) throw new UsageError(`blackout remove takes ID\n${BLACKOUT_USAGE}`);
  if (!blackoutIdSchema.safeParse(id).success)
    throw new UsageError(
      `blackout remove: ID ${JSON.stringify(id)} is not a blackout id (a number like 2; tillroll blackout list shows them)`,
    );
  return id;
}

const print = (json: boolean, value: unknown, text: () => string) =>
  out(json ? JSON.stringify(value, null, 2) : text());

/** `tillroll window set|list|remove`. */
export async function runWindowCommand(args: string[], values: CliValues): Promise<ExitCode> {
  const [sub = ""] = args;
  const json = values.json === true;
  switch (sub) {
    case "set": {
      const body = windowSetRequest(values);
      const target = await resolveTarget(values, process.env);
      const setting = await callRoute(target, "setWindow", { body });
      print(json, setting, () => windowLine(setting));
      return EXIT_CODES.ok;
    }
    case "list": {
      const target = await resolveTarget(values, process.env);
      const list = await callRoute(target, "listWindows");
      print(json, list, () => formatWindowList(list));
      return EXIT_CODES.ok;
    }
    case "remove": {
      const body = windowSubject(values, "window remove");
      const target = await resolveTarget(values, process.env);
      const removed = await callRoute(target, "removeWindow", { body });
      print(json, removed, () => `Removed the ${windowLine(removed).replace(/^Window/, "window")}`);
      return EXIT_CODES.ok;
    }
    default:
      throw new UsageError(WINDOW_USAGE);
  }
}

/** `tillroll store set STORE`. */
export async function runStoreCommand(args: string[], values: CliValues): Promise<ExitCode> {
  const [sub, store] = args;
  if (sub !== "set" || store === undefined)
    throw new UsageError("usage: tillroll store set STORE [--contact ADDR] [--tz ZONE] [--json]");
  const body = storeSetRequest(store, values);
  const target = await resolveTarget(values, process.env);
  const setting = await callRoute(target, "setStore", { body });
  print(values.json === true, setting, () => storeLine(setting));
  return EXIT_CODES.ok;
}

/** `tillroll blackout add|list|remove`. */
export async function runBlackoutCommand(args: string[], values: CliValues): Promise<ExitCode> {
  const [sub = "", id] = args;
  const json = values.json === true;
  switch (sub) {
    case "add": {
      const body = blackoutAddRequest(values);
      const target = await resolveTarget(values, process.env);
      const added = await callRoute(target, "addBlackout", { body });
      print(json, added, () => blackoutAddedText(added));
      return EXIT_CODES.ok;
    }
    case "list": {
      const all = values.all === true;
      const target = await resolveTarget(values, process.env);
      const query = new URLSearchParams(all ? { all: "true" } : {});
      const list = await callRoute(target, "listBlackouts", { query });
      print(json, list, () => formatBlackoutTable(list, all));
      return EXIT_CODES.ok;
    }
    case "remove": {
      const body = { id: blackoutIdArg(id) };
      const target = await resolveTarget(values, process.env);
      const removed = await callRoute(target, "removeBlackout", { body });
      print(json, removed, () => `Removed ${blackoutLine({ ...removed, active: false })}`);
      return EXIT_CODES.ok;
    }
    default:
      throw new UsageError(BLACKOUT_USAGE);
  }
}
