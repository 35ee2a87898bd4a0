import { readFileSync, rmSync } from "node:fs";
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type Server,
} from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { packUrlPath, parseRange, servePack } from "../../src/packs/pack-http.js";
import type { PackRecord } from "../../src/packs/pack-record.js";
import type { PackStore } from "../../src/packs/pack-store.js";
import { bigPayload, buildPack, openStore, sha256Of, useWorkspace } from "./pack-fixtures.js";

const ws = useWorkspace();

let store: PackStore;
let record: PackRecord;
let bytes: Buffer;
let server: Server;
let base: string;
const served: string[] = [];

beforeEach(async () => {
  store = await openStore(ws);
  const pack = await buildPack(ws, { files: bigPayload() });
  const published = await store.publish(pack);
  if (!published.ok) throw new Error(published.error);
  record = published.value;
  bytes = readFileSync(pack);
  served.length = 0;
  server = createServer((req, res) => {
    if (servePack(req, res, store, { log: (msg) => served.push(msg) })) return;
    res.writeHead(418).end("not mine");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

function fetchRaw(
  path: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}${path}`,
      { method: options.method ?? "GET", headers: options.headers ?? {}, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end();
  });
}

const url = () => packUrlPath(record.sha256);

describe("servePack", () => {
  it("sends the whole pack with 200, its length and Accept-Ranges", async () => {
    const answer = await fetchRaw(url());
    expect(answer.status).toBe(200);
    expect(answer.headers["content-length"]).toBe(String(record.size));
    expect(answer.headers["accept-ranges"]).toBe("bytes");
    expect(answer.headers["content-type"]).toBe("application/gzip");
    expect(answer.headers["content-encoding"]).toBeUndefined();
    expect(answer.headers.etag).toBe(`"${record.sha256}"`);
    expect(answer.body.equals(bytes)).toBe(true);
    expect(sha256Of(answer.body)).toBe(record.sha256);
  });

  it("answers HEAD with the headers of GET and no body", async () => {
    const answer = await fetchRaw(url(), { method: "HEAD" });
    expect(answer.status).toBe(200);
    expect(answer.headers["content-length"]).toBe(String(record.size));
    expect(answer.headers["accept-ranges"]).toBe("bytes");
    expect(answer.body.length).toBe(0);
  });

  it("ignores Range on HEAD (range requests are defined for GET only)", async () => {
    const answer = await fetchRaw(url(), { method: "HEAD", headers: { range: "bytes=10-" } });
    expect(answer.status).toBe(200);
    expect(answer.headers["content-range"]).toBeUndefined();
  });

  /** Each Range header with the inclusive span it must return, given the pack's size. */
  const ranges: Array<[string, (size: number) => [number, number]]> = [
    ["bytes=100-", (size) => [100, size - 1]],
    ["bytes=0-0", () => [0, 0]],
    ["bytes=1000-1999", () => [1000, 1999]],
    ["bytes=5000-999999999999", (size) => [5000, size - 1]],
    ["bytes=-500", (size) => [size - 500, size - 1]],
  ];
  it.each(ranges)("answers Range %s with 206 and the right bytes", async (range, expected) => {
    const [from, to] = expected(record.size);
    const answer = await fetchRaw(url(), { headers: { range } });
    expect(answer.status).toBe(206);
    expect(answer.headers["content-range"]).toBe(`bytes ${from}-${to}/${record.size}`);
    expect(answer.headers["content-length"]).toBe(String(to - from + 1));
    expect(answer.body.equals(bytes.subarray(from, to + 1))).toBe(true);
  });

  it.each(["bytes=999999999-", "bytes=-0", "__SIZE__"])(
    "answers an unsatisfiable Range (%s) with 416",
    async (range) => {
      const header = range === "__SIZE__" ? `bytes=${record.size}-` : range;
      const answer = await fetchRaw(url(), { headers: { range: header } });
      expect(answer.status).toBe(416);
      expect(answer.headers["content-range"]).toBe(`bytes */${record.size}`);
    },
  );

  it.each(["bytes=0-10,20-30", "items=0-10", "bytes=20-10", "bytes=abc"])(
    "ignores a Range it does not serve (%s) and sends the whole pack",
    async (range) => {
      const answer = await fetchRaw(url(), { headers: { range } });
      expect(answer.status).toBe(200);
      expect(answer.body.equals(bytes)).toBe(true);
    },
  );

  it("sends the whole pack when If-Range names another version", async () => {
    const answer = await fetchRaw(url(), {
      headers: { range: "bytes=100-", "if-range": `"${"0".repeat(64)}"` },
    });
    expect(answer.status).toBe(200);
    const matching = await fetchRaw(url(), {
      headers: { range: "bytes=100-", "if-range": `"${record.sha256}"` },
    });
    expect(matching.status).toBe(206);
  });

  it.each([
    `/packs/${"0".repeat(64)}.tgz`, // well-formed, not published
    "/packs/not-a-hash.tgz",
    "/packs/",
    "/packs/../packs/index.json",
    "/packs/index.json",
  ])("answers 404 for %s", async (path) => {
    const answer = await fetchRaw(path);
    expect(answer.status).toBe(404);
  });

  it("answers 404 for an upper-case hash and ignores a query string", async () => {
    expect((await fetchRaw(packUrlPath(record.sha256.toUpperCase()))).status).toBe(404);
    expect((await fetchRaw(`${url()}?attempt=2`)).status).toBe(200);
  });

  it("answers 405 for other methods on pack URLs", async () => {
    const answer = await fetchRaw(url(), { method: "DELETE" });
    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toBe("GET, HEAD");
  });

  it("leaves other URLs to the caller", async () => {
    for (const path of ["/", "/packs", "/packsx/a.tgz", "/api/packs"]) {
      const answer = await fetchRaw(path);
      expect(answer.status).toBe(418);
    }
  });

  it("answers 404 when the indexed file has gone, and logs it", async () => {
    rmSync(store.filePath(record.sha256) ?? "");
    const answer = await fetchRaw(url());
    expect(answer.status).toBe(404);
    expect(served.join("\n")).toContain("cannot open: ENOENT");
  });

  it("resumes an interrupted download; the parts concatenate to the pack's sha256", async () => {
    const first = await interruptedGet(url());
    expect(first.length).toBeGreaterThan(0);
    expect(first.length).toBeLessThan(record.size);
    const rest = await fetchRaw(url(), { headers: { range: `bytes=${first.length}-` } });
    expect(rest.status).toBe(206);
    expect(rest.headers["content-range"]).toBe(
      `bytes ${first.length}-${record.size - 1}/${record.size}`,
    );
    const whole = Buffer.concat([first, rest.body]);
    expect(whole.length).toBe(record.size);
    expect(sha256Of(whole)).toBe(record.sha256);
  });
});

/** Reads the first chunk of a full GET, then hangs up: what a dropped uplink leaves behind. */
function interruptedGet(path: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { agent: false }, (res: IncomingMessage) => {
      res.once("data", (chunk: Buffer) => {
        req.destroy();
        resolve(chunk);
      });
      res.on("error", () => {});
    });
    req.on("error", (error) => {
      if (!req.destroyed) reject(error);
    });
    req.end();
  });
}

describe("parseRange", () => {
  it.each([
    [undefined, 10, { kind: "full" }],
    ["bytes=0-", 10, { kind: "partial", start: 0, end: 9 }],
    ["bytes=3-3", 10, { kind: "partial", start: 3, end: 3 }],
    ["bytes=-3", 10, { kind: "partial", start: 7, end: 9 }],
    ["bytes=-30", 10, { kind: "partial", start: 0, end: 9 }],
    ["bytes=10-", 10, { kind: "unsatisfiable" }],
    ["bytes=0-", 0, { kind: "unsatisfiable" }],
    ["bytes=5-2", 10, { kind: "full" }],
    ["bytes=-", 10, { kind: "full" }],
    ["bytes=1-2, 4-5", 10, { kind: "full" }],
  ] as const)("%s of %i bytes → %j", (header, size, expected) => {
    expect(parseRange(header, size)).toEqual(expected);
  });
});
