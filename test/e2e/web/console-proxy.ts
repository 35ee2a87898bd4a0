import { readFile } from "node:fs/promises";
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Stand-in until the coordinator serves the console itself (CONSOLE-API.md
 * §8): one loopback origin that serves coordinator/dist/web and passes /api
 * (SSE included, streamed) and /packs to the coordinator, so the session
 * cookie and the page share an origin as they will in production.
 * `consoleOrigin` uses the coordinator directly once it answers `/` with
 * the console's HTML, so this file can go when that is on main everywhere.
 */

export const WEB_DIST = fileURLToPath(new URL("../../../coordinator/dist/web/", import.meta.url));

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".woff2": "font/woff2",
};

export interface ConsoleOrigin {
  /** Where the browser opens the console (`http://127.0.0.1:PORT`). */
  url: string;
  /** Whether a stand-in proxy serves it (false: the coordinator itself). */
  proxied: boolean;
  close(): Promise<void>;
}

/** Whether the coordinator at `url` already serves the built console at `/`. */
async function servesConsole(url: string): Promise<boolean> {
  try {
    const answer = await fetch(`${url}/`, { signal: AbortSignal.timeout(5_000) });
    const text = await answer.text();
    return answer.ok && text.includes("<html");
  } catch {
    return false;
  }
}

/** The origin the browser should use for the coordinator at `coordinatorUrl` (plain HTTP). */
export async function consoleOrigin(coordinatorUrl: string): Promise<ConsoleOrigin> {
  if (await servesConsole(coordinatorUrl))
    return { url: coordinatorUrl, proxied: false, close: async () => {} };
  return startProxy(coordinatorUrl);
}

async function startProxy(coordinatorUrl: string): Promise<ConsoleOrigin> {
  const target = new URL(coordinatorUrl);
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (path.startsWith("/api/") || path.startsWith("/packs/") || path === "/healthz")
      forward(req, res, target);
    else void serveFile(path, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    proxied: true,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections(); // an open event stream would keep close() waiting
        server.close(() => resolve());
      }),
  };
}

/** Passes the request on unchanged (Host and Origin too: same-origin checks see the page's origin). */
function forward(req: IncomingMessage, res: ServerResponse, target: URL): void {
  const upstream = httpRequest(
    {
      host: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: req.headers,
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on("error", (error) => {
    if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
    res.end(`proxy: ${error.message}`);
  });
  res.on("close", () => upstream.destroy());
  req.pipe(upstream);
}

/** A file of dist/web, or index.html for the console's own routes (history API paths). */
async function serveFile(path: string, res: ServerResponse): Promise<void> {
  const relative = normalize(decodeURIComponent(path)).replace(/^([/\\])+/, "");
  const asset = extname(relative) !== "";
  const file = asset ? join(WEB_DIST, relative) : join(WEB_DIST, "index.html");
  if (!file.startsWith(WEB_DIST) || relative.split(sep).includes("..")) {
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("not found");
    return;
  }
  try {
    const body = await readFile(file);
    res.writeHead(200, {
      "content-type": TYPES[extname(file)] ?? "application/octet-stream",
      "cache-control": "no-cache",
    });
    res.end(body);
  } catch {
    res.writeHead(asset ? 404 : 503, { "content-type": "text/plain" });
    res.end(asset ? "not found" : "web console not built: run pnpm build");
  }
}
