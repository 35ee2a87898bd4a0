import { type Answer, API_ROUTES, type RequestQuery } from "../api/routes.js";
import { checked, out } from "./command-args.js";
import {
  ConsoleError,
  type ConsoleTarget,
  callRoute,
  resolveTarget,
  UsageError,
} from "./console-client.js";
import { EXIT_CODES, type ExitCode } from "./exit-codes.js";
import type { CliValues } from "./options.js";

export const LOG_USAGE = "usage: tillroll log STORE/WS FUNCTION [--request ID] [--follow] [--json]";

/** How often `--follow` asks for lines kept since the last answer. */
const FOLLOW_INTERVAL_MS = 1000;

type LogAnswer = Answer<"installLog">;

/** The query `tillroll log` sends, checked against the contract first. */
export function logQuery(args: readonly string[], values: CliValues): RequestQuery<"installLog"> {
  const [id, fn, extra] = args;
  if (id === undefined || fn === undefined || extra !== undefined) throw new UsageError(LOG_USAGE);
  const [store, workstation, more] = id.split("/");
  if (store === undefined || workstation === undefined || more !== undefined)
    throw new UsageError(`${JSON.stringify(id)} is not STORE/WS (e.g. 1001/01)\n${LOG_USAGE}`);
  return checked(
    API_ROUTES.installLog.query,
    {
      store,
      workstation,
      function: fn,
      ...(values.request === undefined ? {} : { request: values.request }),
    },
    "log",
  );
}

/** One kept line for people: time, level, who wrote it, the request, the text. */
export function formatLogLine(line: LogAnswer["lines"][number]): string {
  const who = line.stream === null ? line.source : `${line.source}:${line.stream}`;
  return `${line.at}  ${line.level.padEnd(5)}  ${who.padEnd(20)}  ${line.requestId ?? "-"}  ${line.text}`;
}

/**
 * `tillroll log 1001/01 pos-client [--request ID] [--follow] [--json]`: the
 * install log the coordinator kept of one row. With --follow it asks every
 * second for the lines kept since (the `after` cursor) until Ctrl-C, and
 * waits out a coordinator that cannot be reached (a restart). --json
 * prints the answer; with --follow, one JSON object per line as they come.
 */
export async function runLogCommand(args: string[], values: CliValues): Promise<ExitCode> {
  const query = logQuery(args, values);
  const json = values.json === true;
  const target = await resolveTarget(values, process.env);
  const print = (answer: LogAnswer, first: boolean) => {
    if (json) for (const line of answer.lines) out(JSON.stringify(line));
    else if (first && answer.lines.length === 0)
      out(`No install log kept for ${query.store}/${query.workstation} ${query.function}.`);
    else for (const line of answer.lines) out(formatLogLine(line));
  };
  let answer = await fetchLog(target, query, undefined);
  if (values.follow !== true) {
    if (json) out(JSON.stringify(answer, null, 2));
    else print(answer, true);
    return EXIT_CODES.ok;
  }
  print(answer, true);
  process.once("SIGINT", () => process.exit(EXIT_CODES.ok));
  let away = false;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, FOLLOW_INTERVAL_MS));
    try {
      answer = await fetchLog(target, query, answer.next);
    } catch (error) {
      // A coordinator restart does not end a follow; a refusal (session over, scope) does.
      if (!(error instanceof ConsoleError) || !error.message.startsWith("cannot reach"))
        throw error;
      if (!away) process.stderr.write(`tillroll: ${error.message}; trying again every second\n`);
      away = true;
      continue;
    }
    if (away) process.stderr.write("tillroll: the coordinator answers again\n");
    away = false;
    print(answer, false);
  }
}

function fetchLog(
  target: ConsoleTarget,
  query: RequestQuery<"installLog">,
  after: number | undefined,
): Promise<LogAnswer> {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query))
    if (value !== undefined) params.set(name, String(value));
  if (after !== undefined) params.set("after", String(after));
  return callRoute(target, "installLog", { query: params });
}
