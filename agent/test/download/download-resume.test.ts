import { existsSync } from "node:fs";
import { readFile, stat, writeFile } from "node:fs/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type DownloadDeps, downloadVerified } from "../../src/download/download.js";
import {
  type FakeClock,
  fakeClock,
  type Handler,
  makePack,
  type Pack,
  serve,
  sha256Of,
  startServer,
  type TempDir,
  type TestServer,
  tempDir,
  waitFor,
} from "./helpers.js";

const K = 40_000;

describe("downloadVerified: success and resume", () => {
  let dir: TempDir;
  let server: TestServer | undefined;
  let clock: FakeClock;
  let pack: Pack;

  beforeEach(async () => {
    dir = await tempDir();
    clock = fakeClock();
    pack = makePack(150_000);
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
  const request = (url: string) => ({
    url,
    sha256: pack.sha256,
    size: pack.size,
    destPath: dest(),
    deadline: clock.now() + 600_000,
  });
  const deps = (extra: Partial<DownloadDeps> = {}): DownloadDeps => ({
    now: clock.now,
    sleep: clock.sleep,
    random: () => 0.5,
    ...extra,
  });

  it("downloads, verifies and renames into place", async () => {
    const srv = await withServer((ctx) => serve(ctx, pack.body));
    const result = await downloadVerified(request(srv.url()), deps());
    expect(result).toEqual({ ok: true, path: dest() });
    expect(sha256Of(await readFile(dest()))).toBe(pack.sha256);
    expect(existsSync(`${dest()}.part`)).toBe(false);
    expect(srv.requests).toHaveLength(1);
    expect(srv.requests[0]?.range).toBeUndefined();
  });

  it("resumes after mid-stream drops with Range at the right offsets", async () => {
    const srv = await withServer((ctx) =>
      serve(ctx, pack.body, ctx.index < 2 ? { dropAfter: K } : {}),
    );
    const result = await downloadVerified(request(srv.url()), deps());
    expect(result.ok).toBe(true);
    expect(sha256Of(await readFile(dest()))).toBe(pack.sha256);
    expect(srv.requests.map((r) => r.range)).toEqual([undefined, `bytes=${K}-`, `bytes=${2 * K}-`]);
    expect(clock.sleeps).toHaveLength(2);
  });

  it("resumes from a .part left by an earlier call", async () => {
    await writeFile(`${dest()}.part`, pack.body.subarray(0, 12_345));
    const srv = await withServer((ctx) => serve(ctx, pack.body));
    const result = await downloadVerified(request(srv.url()), deps());
    expect(result.ok).toBe(true);
    expect(sha256Of(await readFile(dest()))).toBe(pack.sha256);
    expect(srv.requests.map((r) => r.range)).toEqual(["bytes=12345-"]);
  });

  it("starts over when the server ignores Range (200), truncating the part", async () => {
    // A wrong prefix proves the part was rewritten rather than appended to.
    await writeFile(`${dest()}.part`, Buffer.alloc(5_000, 0xee));
    const srv = await withServer((ctx) => serve(ctx, pack.body, { ignoreRange: true }));
    const result = await downloadVerified(request(srv.url()), deps());
    expect(result.ok).toBe(true);
    expect(sha256Of(await readFile(dest()))).toBe(pack.sha256);
    expect(srv.requests.map((r) => r.range)).toEqual(["bytes=5000-"]);
  });

  it("discards a bogus part on 416 and starts over without waiting", async () => {
    await writeFile(`${dest()}.part`, Buffer.alloc(7_000, 0x11));
    const srv = await withServer((ctx) => {
      if (ctx.range !== undefined) {
        ctx.res.writeHead(416, { "content-range": `bytes */${pack.size}` });
        ctx.res.end();
        return;
      }
      serve(ctx, pack.body);
    });
    const result = await downloadVerified(request(srv.url()), deps());
    expect(result.ok).toBe(true);
    expect(sha256Of(await readFile(dest()))).toBe(pack.sha256);
    expect(srv.requests.map((r) => r.range)).toEqual(["bytes=7000-", undefined]);
    expect(clock.sleeps).toEqual([]);
  });

  it("treats a stalled transfer as transient (injectable idle timeout) and resumes", async () => {
    const srv = await withServer((ctx) =>
      serve(ctx, pack.body, ctx.index === 0 ? { stallAfter: K } : {}),
    );
    const logs: string[] = [];
    const result = await downloadVerified(
      request(srv.url()),
      deps({ idleTimeoutMs: 150, log: (m) => logs.push(m) }),
    );
    expect(result.ok).toBe(true);
    expect(sha256Of(await readFile(dest()))).toBe(pack.sha256);
    expect(srv.requests.map((r) => r.range)).toEqual([undefined, `bytes=${K}-`]);
    expect(logs.some((m) => m.includes("no data received for 150 ms"))).toBe(true);
  });

  it("follows redirects", async () => {
    const srv = await withServer((ctx) => {
      if (ctx.path === "/old") {
        ctx.res.writeHead(302, { location: "/file" });
        ctx.res.end();
        return;
      }
      serve(ctx, pack.body);
    });
    const result = await downloadVerified(request(srv.url("/old")), deps());
    expect(result.ok).toBe(true);
    expect(srv.requests.map((r) => r.path)).toEqual(["/old", "/file"]);
  });

  it("returns at once without a request when destPath already verifies", async () => {
    await writeFile(dest(), pack.body);
    const srv = await withServer((ctx) => serve(ctx, pack.body));
    const progress: number[] = [];
    const result = await downloadVerified(
      request(srv.url()),
      deps({ onProgress: (p) => progress.push(p.percent) }),
    );
    expect(result).toEqual({ ok: true, path: dest() });
    expect(srv.requests).toHaveLength(0);
    expect(progress).toEqual([100]);
  });

  it("commits a complete, verifying .part without a request", async () => {
    await writeFile(`${dest()}.part`, pack.body);
    const srv = await withServer((ctx) => serve(ctx, pack.body));
    const result = await downloadVerified(request(srv.url()), deps());
    expect(result.ok).toBe(true);
    expect(sha256Of(await readFile(dest()))).toBe(pack.sha256);
    expect(srv.requests).toHaveLength(0);
  });

  it("abort keeps the part, and a later call resumes from it", async () => {
    const srv = await withServer((ctx) =>
      serve(ctx, pack.body, ctx.index === 0 ? { stallAfter: K } : {}),
    );
    const controller = new AbortController();
    const pending = downloadVerified(request(srv.url()), deps({ signal: controller.signal }));
    const part = `${dest()}.part`;
    await waitFor(async () => existsSync(part) && (await stat(part)).size === K);
    controller.abort(new Error("shutting down"));
    const result = await pending;
    expect(result).toEqual({ ok: false, kind: "aborted", reason: "aborted: shutting down" });
    expect((await stat(part)).size).toBe(K);
    expect(existsSync(dest())).toBe(false);

    const again = await downloadVerified(request(srv.url()), deps());
    expect(again.ok).toBe(true);
    expect(sha256Of(await readFile(dest()))).toBe(pack.sha256);
    expect(srv.requests.map((r) => r.range)).toEqual([undefined, `bytes=${K}-`]);
  });

  it("abort during the backoff sleep keeps the part", async () => {
    const srv = await withServer((ctx) => serve(ctx, pack.body, { dropAfter: K }));
    const controller = new AbortController();
    const result = await downloadVerified(
      request(srv.url()),
      deps({
        signal: controller.signal,
        sleep: async (_ms, signal) => {
          controller.abort();
          throw signal?.reason;
        },
      }),
    );
    expect(result.ok).toBe(false);
    expect(result.ok === false && result.kind).toBe("aborted");
    expect((await stat(`${dest()}.part`)).size).toBe(K);
    expect(srv.requests).toHaveLength(1);
  });

  it("an already aborted signal makes no request", async () => {
    const srv = await withServer((ctx) => serve(ctx, pack.body));
    const result = await downloadVerified(
      request(srv.url()),
      deps({ signal: AbortSignal.abort() }),
    );
    expect(result.ok === false && result.kind).toBe("aborted");
    expect(srv.requests).toHaveLength(0);
  });
});
