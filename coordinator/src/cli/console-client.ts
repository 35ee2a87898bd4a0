import { readFile } from "node:fs/promises";
import { request as httpsRequest } from "node:https";
import { join } from "node:path";
import { type Answer, API_ROUTES, type RequestBody, type RouteName } from "../api/routes.js";
import { storedLogin } from "./credentials-file.js";
import { EXIT_CODES, type ExitCode } from "./exit-codes.js";

/** Where the console finds the coordinator and its operator token. */
export interface ConsoleTarget {
  url: string;
  token: string;
  /** For an https:// coordinator with its own CA: that CA (PEM), trusted instead of the system's. */
  ca?: string | undefined;
}

/** An error the console reports in one sentence, with its exit code. */
export class ConsoleError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT_CODES.error,
  ) {
    super(message);
  }
}

/** The command line itself is wrong: exit code 2, nothing was sent. */
export class UsageError extends ConsoleError {
  constructor(message: string) {
    super(message, EXIT_CODES.usage);
  }
}

/** `--url`, else TILLROLL_URL, else http://127.0.0.1:8080. */
export function resolveUrl(options: { url?: string | undefined }, env: NodeJS.ProcessEnv): string {
  return (options.url ?? env.TILLROLL_URL ?? "http://127.0.0.1:8080").replace(/\/+$/, "");
}

/**
 * The URL (resolveUrl) and a token: `--token`, else TILLROLL_TOKEN, else
 * `--data DIR`'s operator-token when --data is given, else the token
 * `tillroll login` saved for the URL, else `./data/operator-token`.
 */
export async function resolveTarget(
  options: {
    url?: string | undefined;
    token?: string | undefined;
    data?: string | undefined;
    ca?: string | undefined;
  },
  env: NodeJS.ProcessEnv,
): Promise<ConsoleTarget> {
  const url = resolveUrl(options, env);
  let token = options.token ?? env.TILLROLL_TOKEN;
  if ((token === undefined || token === "") && options.data === undefined)
    token = (await storedLogin(url, env).catch(() => undefined))?.token;
  if (token === undefined || token === "") {
    const path = join(options.data ?? "./data", "operator-token");
    try {
      token = (await readFile(path, "utf8")).trim();
    } catch {
      throw new ConsoleError(
        `no operator token: run \`tillroll login\`, pass --token, set TILLROLL_TOKEN, or point --data at the coordinator's folder (${path} not readable)`,
      );
    }
  }
  return { url, token, ca: await resolveCa(url, options, env) };
}

/**
 * The CA an https:// coordinator is checked with: `--ca`, else TILLROLL_CA,
 * else `<--data DIR or ./data>/tls/ca.pem` when it exists (the CA `--tls`
 * generated), else none (the system's CAs).
 */
async function resolveCa(
  url: string,
  options: { data?: string | undefined; ca?: string | undefined },
  env: NodeJS.ProcessEnv,
): Promise<string | undefined> {
  if (!url.startsWith("https:")) return undefined;
  const given = options.ca ?? (env.TILLROLL_CA === "" ? undefined : env.TILLROLL_CA);
  const path = given ?? join(options.data ?? "./data", "tls", "ca.pem");
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if (given === undefined) return undefined;
    throw new ConsoleError(
      `cannot read the CA ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)}): check --ca or TILLROLL_CA`,
    );
  }
}

/** One request over https with a CA of our own (fetch cannot be given one without undici). */
function requestWithCa(
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string | Buffer },
  ca: string,
): Promise<{ ok: boolean; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method: init.method, headers: init.headers, ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const status = res.statusCode ?? 0;
        resolve({ ok: status >= 200 && status < 300, text: Buffer.concat(chunks).toString() });
      });
      res.on("error", reject);
    });
    req.on("error", (error) => reject(Object.assign(new Error(error.message), { cause: error })));
    req.end(init.body);
  });
}

/** Calls the console API; a refusal becomes a ConsoleError carrying the coordinator's message. */
export async function callApi<T>(
  target: ConsoleTarget,
  method: "GET" | "POST",
  path: string,
  body?: unknown,
  raw?: Buffer,
): Promise<T> {
  let response: { ok: boolean; text: string };
  const init = {
    method,
    headers: {
      ...(target.token === "" ? {} : { authorization: `Bearer ${target.token}` }),
      ...(raw !== undefined
        ? { "content-type": "application/octet-stream" }
        : body !== undefined
          ? { "content-type": "application/json" }
          : {}),
    },
    ...(raw !== undefined
      ? { body: raw }
      : body !== undefined
        ? { body: JSON.stringify(body) }
        : {}),
  };
  try {
    if (target.ca !== undefined) {
      response = await requestWithCa(`${target.url}${path}`, init, target.ca);
    } else {
      const answer = await fetch(`${target.url}${path}`, init);
      response = { ok: answer.ok, text: await answer.text() };
    }
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    if (/CERT|SIGNATURE|SELF_SIGNED|ISSUER|ERR_TLS/.test(cause))
      throw new ConsoleError(
        `the coordinator at ${target.url} has a TLS certificate this console does not trust (${cause}): give --ca its CA (DATA/tls/ca.pem with --tls) or set TILLROLL_CA`,
      );
    throw new ConsoleError(
      `cannot reach the coordinator at ${target.url} (${cause}): is it running? (--url, TILLROLL_URL)`,
    );
  }
  const { text } = response;
  let parsed: unknown;
  try {
    parsed = text === "" ? null : JSON.parse(text);
  } catch {
    parsed = text;
  }
  if (!response.ok) {
    const message =
      typeof parsed === "object" && parsed !== null && "error" in parsed
        ? String((parsed as { error: unknown }).error)
        : text;
    throw new ConsoleError(message);
  }
  return parsed as T;
}

/**
 * Calls route `name` of the API contract: method and path from the table,
 * the body typed as the route's request, the answer as its answer.
 */
export function callRoute<N extends RouteName>(
  target: ConsoleTarget,
  name: N,
  input: { query?: URLSearchParams; body?: RequestBody<N>; raw?: Buffer } = {},
): Promise<Answer<N>> {
  const route = API_ROUTES[name];
  const query = input.query?.toString() ?? "";
  return callApi<Answer<N>>(
    target,
    route.method,
    `${route.path}${query === "" ? "" : `?${query}`}`,
    input.body,
    input.raw,
  );
}
