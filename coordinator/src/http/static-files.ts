import { readFile, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The built web console (coordinator/dist/web, `pnpm build`) on the API's
 * own origin, so its session cookie and CSRF token work unchanged: `/` and
 * every GET/HEAD path outside `/api/` and `/packs/` (and `/healthz`,
 * `/metrics`). Hashed files under `/assets/` are cached for a year; any other
 * path without a file of its own is one of the console's routes
 * (`/releases/42`) and gets index.html, which the browser always revalidates.
 * Paths that try to leave the folder are refused; an unknown `/api/` path
 * never gets here (it stays the API's JSON 404).
 */

/** dist/web beside dist/http, where this file runs from once built. */
export const WEB_DIR = fileURLToPath(new URL("../web/", import.meta.url));

export const NOT_BUILT = "web console not built: run pnpm build";

const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".webp": "image/webp",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/** Only our own files, no inline code, no framing: the console needs nothing else. */
export const CONSOLE_CSP =
  "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const IMMUTABLE = "public, max-age=31536000, immutable";

/** Whether `path` (URL pathname) is the console's to answer rather than the API's. */
export function isConsolePath(method: string | undefined, path: string): boolean {
  if (method !== "GET" && method !== "HEAD") return false;
  if (path === "/api" || path.startsWith("/api/")) return false;
  if (path === "/packs" || path.startsWith("/packs/")) return false;
  return path !== "/healthz" && path !== "/metrics";
}

/** Where a request path points inside `root`, or why it may not be served. */
export function resolveConsolePath(
  root: string,
  path: string,
): { ok: true; file: string; asset: boolean } | { ok: false; reason: string } {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return { ok: false, reason: "malformed path" };
  }
  if (decoded.includes("\0") || decoded.includes("\\")) return { ok: false, reason: "bad path" };
  const parts = decoded.split("/").filter((part) => part !== "");
  if (parts.some((part) => part === ".." || part === ".")) {
    return { ok: false, reason: "bad path" };
  }
  const base = resolve(root);
  const file = resolve(base, ...parts);
  if (file !== base && !file.startsWith(base + sep)) return { ok: false, reason: "bad path" };
  const last = parts[parts.length - 1] ?? "";
  return { ok: true, file, asset: parts[0] === "assets" || extname(last) !== "" };
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Serves the console from `root` (default: dist/web): answers true when it
 * took the request, false when the request is the API's (see isConsolePath).
 */
export function createStaticFiles(
  root: string = WEB_DIR,
): (req: IncomingMessage, res: ServerResponse, path: string) => Promise<boolean> {
  const index = join(root, "index.html");
  return async (req, res, path) => {
    if (!isConsolePath(req.method, path)) return false;
    const head = req.method === "HEAD";
    const send = (status: number, headers: Record<string, string>, body: Buffer | string) => {
      const bytes = typeof body === "string" ? Buffer.from(body) : body;
      res.writeHead(status, {
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
        "content-length": String(bytes.length),
        ...headers,
      });
      res.end(head ? undefined : bytes);
    };
    const text = (status: number, message: string) =>
      send(
        status,
        { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
        `${message}\n`,
      );
    const target = resolveConsolePath(root, path);
    if (!target.ok) {
      text(400, target.reason);
      return true;
    }
    let file = target.file;
    if (!(await isFile(file))) {
      // An asset that is not there is a 404; any other path is a route of the console.
      if (target.asset) {
        text(404, "not found");
        return true;
      }
      file = index;
    }
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      text(file === index ? 503 : 404, file === index ? NOT_BUILT : "not found");
      return true;
    }
    const type = TYPES[extname(file)] ?? "application/octet-stream";
    const html = type.startsWith("text/html");
    send(
      200,
      {
        "content-type": type,
        "cache-control": !html && path.startsWith("/assets/") ? IMMUTABLE : "no-cache",
        ...(html ? { "content-security-policy": CONSOLE_CSP, "x-frame-options": "DENY" } : {}),
      },
      body,
    );
    return true;
  };
}
