import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { JsonRow } from "@tillroll/coordinator";
import { TILLROLL_CLI } from "./coordinator-harness.js";
import type { ReleaseView } from "./release-probes.js";

/**
 * The two ways an operator reaches a coordinator in these tests, whatever
 * runs it (a process or this process): the `tillroll` CLI, any exit code,
 * and one API call with a bearer token.
 */

const run = promisify(execFile);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `tillroll ARGS --url=URL --token=TOKEN`, run in `cwd`; never throws for an exit code. */
export async function runCli(
  url: string,
  token: string,
  cwd: string,
  args: readonly string[],
): Promise<CliResult> {
  const argv = [TILLROLL_CLI, ...args, `--url=${url}`, `--token=${token}`];
  try {
    const { stdout, stderr } = await run(process.execPath, argv, { cwd });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== "number") throw error;
    return { code: failed.code, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

/** One API call (no token: anonymous); the answer's status and parsed body (text if not JSON). */
export async function callApi(
  url: string,
  token: string | null,
  method: "GET" | "POST" | "DELETE",
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: kept as text for the failure message
  }
  return { status: response.status, body: parsed };
}

/** `GET /api/releases/show?id=ID`; throws unless 200. */
export async function showRelease(url: string, token: string, id: string): Promise<ReleaseView> {
  const answer = await callApi(
    url,
    token,
    "GET",
    `/api/releases/show?id=${encodeURIComponent(id)}`,
  );
  if (answer.status !== 200)
    throw new Error(`release show ${id}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body as ReleaseView;
}

/** `GET /api/status`: every row of the fleet; throws unless 200. */
export async function statusRows(url: string, token: string): Promise<JsonRow[]> {
  const answer = await callApi(url, token, "GET", "/api/status");
  if (answer.status !== 200) throw new Error(`status: ${answer.status}`);
  const body = answer.body as JsonRow[] | { rows: JsonRow[] };
  return Array.isArray(body) ? body : body.rows;
}
