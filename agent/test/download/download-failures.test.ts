import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type DownloadDeps,
  type DownloadResult,
  downloadVerified,
} from "../../src/download/download.js";
import {
  closedPortUrl,
  type FakeClock,
  fakeClock,
  type Handler,
  makePack,
  type Pack,
  serve,
  sha256Of,
  startServer,
  status,
  type TempDir,
  type TestServer,
  tempDir,
} from "./helpers.js";

function reasonOf(result: DownloadResult): string {
  if (result.ok) throw new Error("expected a failure");
  return `${result.kind}: ${result.reason}`;
}

describe("downloadVerified: failures and retries", () => {
  let dir: TempDir;
  let server: TestServer | undefined;
  let clock: FakeClock;
  let pack: Pack;

  beforeEach(async () => {
    dir = await tempDir();
    clock = fakeClock();
    pack = makePack(100_000);
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    await dir.remove();
  });

  async function withServer(handler: Handler): Promise<TestServer> {
    server = await startServer(handler);
    return server;
  }
  const dest = (): string => dir.file(`${pack.sha256}.tgz`);
  const part = (): string => `${dest()}.part`;
  const request = (url: string, deadlineIn = 600_000) => ({
    url,
    sha256: pack.sha256,
    size: pack.size,
    destPath: dest(),
    deadline: clock.now() + deadlineIn,
  });
  const deps = (extra: Partial<DownloadDeps> = {}): DownloadDeps => ({
    now: clock.now,
    sleep: clock.sleep,
    random: () => 0.5,
    ...extra,
  });

  it("sha256 mismatch is definitive and removes the part", async () => {
    const wrong = Buffer.from(pack.body);
    wrong[wrong.length - 1] = (wrong.at(-1) ?? 0) ^ 0xff;
    const srv = await withServer((ctx) => serve(ctx, wrong));
    const result = await downloadVerified(request(srv.url()), deps());
    expect(reasonOf(result)).toBe(
      `definitive: sha256 mismatch: expected ${pack.sha256}, got ${sha256Of(wrong)}`,
    );
    expect(existsSync(part())).toBe(false);
    expect(existsSync(dest())).toBe(false);
    expect(srv.requests).toHaveLength(1);
  });

  it("too few bytes (connection-delimited body) is a definitive length mismatch", async () => {
    const srv = await withServer((ctx) =>
      serve(ctx, pack.body.subarray(0, pack.size - 10), { chunked: true }),
    );
    const result = await downloadVerified(request(srv.url()), deps());
    expect(reasonOf(result)).toBe(
      `definitive: length mismatch: expected ${pack.size} bytes, got ${pack.size - 10}`,
    );
    expect(existsSync(part())).toBe(false);
  });

  it("too few bytes announced by Content-Length fails before downloading", async () => {
    const srv = await withServer((ctx) => serve(ctx, pack.body.subarray(0, 1_000)));
    const result = await downloadVerified(request(srv.url()), deps());
    expect(reasonOf(result)).toBe(
      `definitive: length mismatch: expected ${pack.size} bytes, server announced 1000`,
    );
    expect(existsSync(part())).toBe(false);
  });

  it("more bytes than size (no Content-Length) is definitive and removes the part", async () => {
    const longer = Buffer.concat([pack.body, Buffer.alloc(5_000, 7)]);
    const srv = await withServer((ctx) => serve(ctx, longer, { chunked: true }));
    const result = await downloadVerified(request(srv.url()), deps());
    expect(reasonOf(result)).toBe(`definitive: length mismatch: more than ${pack.size} bytes`);
    expect(existsSync(part())).toBe(false);
  });

  it("more bytes announced by Content-Length is definitive too", async () => {
    const longer = Buffer.concat([pack.body, Buffer.alloc(5_000, 7)]);
    const srv = await withServer((ctx) => serve(ctx, longer));
    const result = await downloadVerified(request(srv.url()), deps());
    expect(reasonOf(result)).toMatch(
      new RegExp(`^definitive: length mismatch: more than ${pack.size} bytes`),
    );
  });

  it("404 is definitive, made once, and deletes an existing part", async () => {
    await writeFile(part(), pack.body.subarray(0, 500));
    const srv = await withServer((ctx) => status(ctx, 404));
    const result = await downloadVerified(request(srv.url()), deps());
    expect(reasonOf(result)).toBe("definitive: HTTP 404 Not Found");
    expect(srv.requests).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
    expect(existsSync(part())).toBe(false);
  });

  it("503 three times, then success", async () => {
    const srv = await withServer((ctx) =>
      ctx.index < 3 ? status(ctx, 503) : serve(ctx, pack.body),
    );
    const result = await downloadVerified(request(srv.url()), deps());
    expect(result).toEqual({ ok: true, path: dest() });
    expect(sha256Of(await readFile(dest()))).toBe(pack.sha256);
    expect(srv.requests).toHaveLength(4);
    // Exponential (base 1 s) with jitter 0.5 → 75 % of 1, 2, 4 s.
    expect(clock.sleeps).toEqual([750, 1_500, 3_000]);
  });

  it("429 honours Retry-After", async () => {
    const srv = await withServer((ctx) =>
      ctx.index === 0 ? status(ctx, 429, { "retry-after": "7" }) : serve(ctx, pack.body),
    );
    const result = await downloadVerified(request(srv.url()), deps());
    expect(result.ok).toBe(true);
    expect(clock.sleeps).toEqual([7_000]);
  });

  it("deadline passing while the server is down is definitive with the attempt count", async () => {
    const url = await closedPortUrl();
    const logs: string[] = [];
    const result = await downloadVerified(request(url, 60_000), deps({ log: (m) => logs.push(m) }));
    const reason = reasonOf(result);
    const m = /^definitive: deadline passed after (\d+) attempts: .*ECONNREFUSED/.exec(reason);
    expect(m, reason).not.toBeNull();
    const attempts = Number(m?.[1]);
    // Every attempt was followed by a (deadline-clamped) sleep; the last sleep hit the deadline.
    expect(attempts).toBe(clock.sleeps.length);
    expect(attempts).toBeGreaterThan(3);
    expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBe(60_000);
    expect(logs.filter((l) => l.includes("retrying in"))).toHaveLength(attempts);
  });

  it("a deadline already passed fails without a request", async () => {
    const srv = await withServer((ctx) => serve(ctx, pack.body));
    const result = await downloadVerified(request(srv.url(), -1), deps());
    expect(reasonOf(result)).toBe("definitive: deadline passed after 0 attempts: no attempt made");
    expect(srv.requests).toHaveLength(0);
  });

  it("rejects non-http(s) URLs and malformed requests", async () => {
    expect(reasonOf(await downloadVerified(request("ftp://example.invalid/x"), deps()))).toBe(
      "definitive: unsupported URL scheme: ftp:",
    );
    expect(reasonOf(await downloadVerified(request("not a url"), deps()))).toBe(
      "definitive: invalid URL: not a url",
    );
    const bad = { ...request("http://127.0.0.1:1/x"), sha256: "abc" };
    expect(reasonOf(await downloadVerified(bad, deps()))).toMatch(/^definitive: invalid sha256/);
  });
});
