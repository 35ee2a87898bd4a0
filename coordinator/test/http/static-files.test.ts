import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Coordinator } from "../../src/coordinator.js";
import { CONSOLE_CSP, NOT_BUILT, resolveConsolePath } from "../../src/http/static-files.js";

/**
 * The web console served by a real coordinator's HTTP server (issue 12):
 * files of its web folder, the console's routes falling back to index.html,
 * the API untouched, traversal refused, and a clear 503 when not built.
 */

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request with the path sent exactly as given (fetch would normalise `..` and `%2e`). */
function raw(base: string, method: string, path: string): Promise<Raw> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, method, path, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
      },
    );
    req.on("error", reject);
    req.end();
  });
}

const INDEX = "<!doctype html><html><body><div id=app></div></body></html>";
const SCRIPT = "console.log('console');";

let root: string;
let built: Coordinator;
let unbuilt: Coordinator;

describe("the web console on the coordinator's HTTP server", { timeout: 60_000 }, () => {
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "tillroll-static-"));
    const web = join(root, "web");
    mkdirSync(join(web, "assets"), { recursive: true });
    writeFileSync(join(web, "index.html"), INDEX);
    writeFileSync(join(web, "assets", "index-abc123.js"), SCRIPT);
    writeFileSync(join(web, "assets", "index-abc123.css"), "body{}");
    // Beside the web folder: must never be served.
    writeFileSync(join(root, "secret.txt"), "SECRET");
    const start = (name: string, webDir: string) =>
      Coordinator.start({
        dataDir: join(root, name),
        mqttPort: 0,
        httpPort: 0,
        host: "127.0.0.1",
        webDir,
        log: () => {},
      });
    built = await start("data-built", web);
    unbuilt = await start("data-unbuilt", join(root, "no-such-build"));
  }, 60_000);
  afterAll(async () => {
    await built?.stop();
    await unbuilt?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it("serves index.html at / with the console's security headers, revalidated every time", async () => {
    const page = await raw(built.httpUrl, "GET", "/");
    expect(page.status).toBe(200);
    expect(page.body).toBe(INDEX);
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(page.headers["content-security-policy"]).toBe(CONSOLE_CSP);
    expect(page.headers["x-content-type-options"]).toBe("nosniff");
    expect(page.headers["referrer-policy"]).toBe("no-referrer");
    expect(page.headers["cache-control"]).toBe("no-cache");
  });

  it("answers the console's own routes with index.html (history API paths)", async () => {
    for (const path of ["/releases/42", "/login", "/audit?operator=anna", "/releases/new"]) {
      const page = await raw(built.httpUrl, "GET", path);
      expect(`${path} ${page.status} ${page.body}`).toBe(`${path} 200 ${INDEX}`);
    }
  });

  it("serves hashed assets with their type, cached for good; HEAD without a body", async () => {
    const script = await raw(built.httpUrl, "GET", "/assets/index-abc123.js");
    expect(script).toMatchObject({ status: 200, body: SCRIPT });
    expect(script.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(script.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(script.headers["x-content-type-options"]).toBe("nosniff");
    const style = await raw(built.httpUrl, "GET", "/assets/index-abc123.css");
    expect(style.headers["content-type"]).toBe("text/css; charset=utf-8");
    const head = await raw(built.httpUrl, "HEAD", "/assets/index-abc123.js");
    expect(head).toMatchObject({ status: 200, body: "" });
    expect(head.headers["content-length"]).toBe(String(SCRIPT.length));
  });

  it("answers 404 for a missing asset, not index.html", async () => {
    for (const path of ["/assets/gone-123.js", "/favicon.ico", "/assets/nothing"]) {
      const answer = await raw(built.httpUrl, "GET", path);
      expect(`${path} ${answer.status}`).toBe(`${path} 404`);
      expect(answer.body).not.toContain("<html");
    }
  });

  it("leaves the API alone: an unknown /api/ path is still the JSON 404, and so is POST /", async () => {
    const unknown = await raw(built.httpUrl, "GET", "/api/no-such-route");
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body)).toEqual({
      error: "no such endpoint: GET /api/no-such-route",
    });
    const post = await raw(built.httpUrl, "POST", "/");
    expect(post.status).toBe(404);
    expect(JSON.parse(post.body)).toMatchObject({ error: "no such endpoint: POST /" });
    expect(JSON.parse((await raw(built.httpUrl, "GET", "/healthz")).body)).toEqual({ ok: true });
    expect((await raw(built.httpUrl, "GET", "/api/notices")).status).toBe(200);
  });

  it("never serves a file outside its folder", async () => {
    for (const path of [
      "/..%2fsecret.txt",
      "/assets/..%2f..%2fsecret.txt",
      "/assets/..%5c..%5csecret.txt",
      "/%2e%2e%2fsecret.txt",
      "/index.html%00.js",
      "/%E0%A4%A",
    ]) {
      const answer = await raw(built.httpUrl, "GET", path);
      expect(`${path} ${answer.status}`).toBe(`${path} 400`);
      expect(answer.body).not.toContain("SECRET");
    }
    // Dot segments the URL parser resolves stay inside the folder.
    for (const path of ["/../secret.txt", "/%2e%2e/secret.txt", "/assets/../../secret.txt"]) {
      const answer = await raw(built.httpUrl, "GET", path);
      expect(`${path} ${answer.status}`).toBe(`${path} 404`);
      expect(answer.body).not.toContain("SECRET");
    }
  });

  it("says how to build the console when it is not built; the API still answers", async () => {
    const page = await raw(unbuilt.httpUrl, "GET", "/");
    expect(page.status).toBe(503);
    expect(page.body.trim()).toBe(NOT_BUILT);
    expect((await raw(unbuilt.httpUrl, "GET", "/releases/1")).status).toBe(503);
    expect((await raw(unbuilt.httpUrl, "GET", "/api/notices")).status).toBe(200);
  });
});

describe("resolveConsolePath", () => {
  it.each([
    ["/", { ok: true, file: "/w", asset: false }],
    ["/index.html", { ok: true, file: "/w/index.html", asset: true }],
    ["/assets/a.js", { ok: true, file: "/w/assets/a.js", asset: true }],
    ["/releases/42", { ok: true, file: "/w/releases/42", asset: false }],
    ["/a/../b", { ok: false, reason: "bad path" }],
    ["/a/./b", { ok: false, reason: "bad path" }],
    ["/a%2F..%2F..%2Fetc", { ok: false, reason: "bad path" }],
    ["/%ZZ", { ok: false, reason: "malformed path" }],
  ])("%s", (path, expected) => {
    expect(resolveConsolePath("/w", path)).toEqual(expected);
  });
});
