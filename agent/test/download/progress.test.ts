import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { downloadVerified } from "../../src/download/download.js";
import { ProgressThrottle, percentOf } from "../../src/download/progress.js";
import type { DownloadProgress } from "../../src/download/types.js";
import { makePack, serve, startServer, type TempDir, type TestServer, tempDir } from "./helpers.js";

interface Call extends DownloadProgress {
  at: number;
}

/** At most two non-final reports in any simulated second. */
function expectThrottled(calls: Call[]): void {
  const perSecond = new Map<number, number>();
  for (const call of calls.slice(0, -1)) {
    const second = Math.floor(call.at / 1000);
    perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
  }
  for (const count of perSecond.values()) expect(count).toBeLessThanOrEqual(2);
  for (let i = 1; i < calls.length - 1; i++) {
    expect((calls[i]?.at ?? 0) - (calls[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(500);
  }
  expect(calls.at(-1)?.percent).toBe(100);
  expect(calls.filter((c) => c.percent === 100)).toHaveLength(1);
}

describe("ProgressThrottle", () => {
  it("reports at most twice per second plus once at 100 %", () => {
    let t = 0;
    const calls: Call[] = [];
    const throttle = new ProgressThrottle(
      1_000,
      () => t,
      (p) => calls.push({ ...p, at: t }),
      () => undefined,
    );
    for (let bytes = 0; bytes <= 1_000; bytes += 10) {
      throttle.update(bytes);
      t += 70;
    }
    throttle.complete();
    throttle.update(1_000);
    expectThrottled(calls);
    // 7 s of updates every 70 ms → one report per 500 ms (ceil(7000/500)=14 slots at most) + 100 %.
    expect(calls.length).toBeGreaterThanOrEqual(12);
    expect(calls.length).toBeLessThanOrEqual(16);
    expect(calls[0]).toEqual({ bytes: 0, size: 1_000, percent: 0, at: 0 });
  });

  it("survives a throwing callback", () => {
    const logs: string[] = [];
    const throttle = new ProgressThrottle(
      10,
      () => 0,
      () => {
        throw new Error("boom");
      },
      (m) => logs.push(m),
    );
    throttle.update(10);
    expect(logs).toHaveLength(1);
  });

  it("percentOf only reads 100 when complete", () => {
    expect(percentOf(999, 1_000)).toBe(99);
    expect(percentOf(1_000, 1_000)).toBe(100);
    expect(percentOf(0, 0)).toBe(100);
    expect(percentOf(0, 10)).toBe(0);
  });
});

describe("downloadVerified progress", () => {
  let dir: TempDir;
  let server: TestServer | undefined;

  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    await dir.remove();
  });

  it("throttles by the injected clock during a real transfer and ends at 100 %", async () => {
    const pack = makePack(64 * 1024);
    server = await startServer((ctx) =>
      serve(ctx, pack.body, { chunkSize: 2 * 1024, chunkDelayMs: 1 }),
    );
    // Every clock read moves simulated time on by 120 ms.
    let t = 1_000_000;
    const now = (): number => {
      t += 120;
      return t;
    };
    const calls: Call[] = [];
    const result = await downloadVerified(
      {
        url: server.url(),
        sha256: pack.sha256,
        size: pack.size,
        destPath: dir.file("p.tgz"),
        deadline: Number.MAX_SAFE_INTEGER,
      },
      {
        now,
        sleep: async () => undefined,
        onProgress: (p) => calls.push({ ...p, at: t }),
      },
    );
    expect(result.ok).toBe(true);
    expect(calls.length).toBeGreaterThanOrEqual(3);
    expectThrottled(calls);
    expect(calls.at(-1)).toMatchObject({ bytes: pack.size, size: pack.size, percent: 100 });
    const bytes = calls.map((c) => c.bytes);
    expect([...bytes].sort((a, b) => a - b)).toEqual(bytes);
  });
});
