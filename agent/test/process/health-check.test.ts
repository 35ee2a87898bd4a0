import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { Clock } from "../../src/process/clock.js";
import { waitHealthy } from "../../src/process/health-check.js";
import { Releases, script } from "./fixtures.js";

const releases = new Releases();
const servers: Server[] = [];
afterEach(async () => {
  await releases.cleanup();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** Time only moves when the code under test sleeps, so retries cost nothing. */
function fakeClock(): Clock & { sleeps: number[] } {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

/** Serves `statuses` in turn (repeating the last) on 127.0.0.1. */
async function serve(statuses: number[]): Promise<{ url: string; hits: () => number }> {
  let hits = 0;
  const server = createServer((_request, response) => {
    const status = statuses[Math.min(hits, statuses.length - 1)] ?? 500;
    hits++;
    response.statusCode = status;
    response.end(`status ${status}`);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/health`, hits: () => hits };
}

describe("waitHealthy", () => {
  it("is healthy at once when there is no health check", async () => {
    const result = await waitHealthy(undefined, { cwd: "/nonexistent", ...fakeClock() });
    expect(result).toMatchObject({ healthy: true, attempts: 0 });
  });

  it("retries a command until it succeeds on the third attempt", async () => {
    const dir = await releases.create();
    await script(
      dir,
      "bin/health",
      'n=$(cat count 2>/dev/null || echo 0); n=$((n + 1)); echo $n > count; echo "attempt $n"; [ "$n" -ge 3 ]',
    );
    const clock = fakeClock();
    const lines: string[] = [];
    const result = await waitHealthy(
      { command: "bin/health", timeoutSeconds: 30, intervalSeconds: 1 },
      { cwd: dir, ...clock, onLine: (line) => lines.push(line) },
    );
    expect(result).toEqual({
      healthy: true,
      attempts: 3,
      reason: "healthy on attempt 3: exited with code 0",
    });
    expect(clock.sleeps).toEqual([1_000, 1_000]);
    expect(lines).toEqual(["attempt 1", "attempt 2", "attempt 3"]);
  });

  it("gives up when the budget is spent and says why", async () => {
    const dir = await releases.create();
    await script(dir, "bin/health", "exit 1");
    const clock = fakeClock();
    const result = await waitHealthy(
      { command: "bin/health", timeoutSeconds: 3, intervalSeconds: 1 },
      { cwd: dir, ...clock },
    );
    expect(result).toEqual({
      healthy: false,
      attempts: 3,
      reason: "not healthy after 3 s (3 attempts), last: exited with code 1",
    });
    expect(clock.now()).toBe(3_000);
  });

  it("caps an attempt at the remaining time", async () => {
    const dir = await releases.create();
    await script(dir, "bin/health", "exec sleep 10");
    const result = await waitHealthy(
      { command: "bin/health", timeoutSeconds: 0.2, intervalSeconds: 1 },
      { cwd: dir, ...fakeClock() },
    );
    expect(result.healthy).toBe(false);
    expect(result.attempts).toBe(1);
    expect(result.reason).toMatch(/last: timed out after 200 ms$/);
  });

  it("accepts a 2xx answer over http", async () => {
    const { url } = await serve([204]);
    const result = await waitHealthy(
      { http: url, timeoutSeconds: 5, intervalSeconds: 1 },
      { cwd: "/", ...fakeClock() },
    );
    expect(result).toEqual({
      healthy: true,
      attempts: 1,
      reason: "healthy on attempt 1: HTTP 204",
    });
  });

  it("retries http until the service answers 2xx", async () => {
    const { url, hits } = await serve([503, 503, 200]);
    const result = await waitHealthy(
      { http: url, timeoutSeconds: 10, intervalSeconds: 1 },
      { cwd: "/", ...fakeClock() },
    );
    expect(result).toMatchObject({ healthy: true, attempts: 3 });
    expect(hits()).toBe(3);
  });

  it("reports an http service that stays unhealthy", async () => {
    const { url } = await serve([500]);
    const result = await waitHealthy(
      { http: url, timeoutSeconds: 2, intervalSeconds: 1 },
      { cwd: "/", ...fakeClock() },
    );
    expect(result).toEqual({
      healthy: false,
      attempts: 2,
      reason: "not healthy after 2 s (2 attempts), last: HTTP 500",
    });
  });

  it("does not follow redirects", async () => {
    const { url } = await serve([302]);
    const result = await waitHealthy(
      { http: url, timeoutSeconds: 1, intervalSeconds: 1 },
      { cwd: "/", ...fakeClock() },
    );
    expect(result.reason).toMatch(/last: HTTP 302$/);
  });

  it("reports a refused connection", async () => {
    const { url } = await serve([200]);
    const server = servers.pop();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    const result = await waitHealthy(
      { http: url, timeoutSeconds: 1, intervalSeconds: 1 },
      { cwd: "/", ...fakeClock() },
    );
    expect(result.reason).toMatch(/last: request failed: ECONNREFUSED$/);
  });

  it("times out a request that gets no answer", async () => {
    const server = createServer(() => {
      // never answers
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const result = await waitHealthy(
      { http: `http://127.0.0.1:${port}/`, timeoutSeconds: 1, intervalSeconds: 1 },
      { cwd: "/", ...fakeClock(), attemptTimeoutMs: 100 },
    );
    expect(result.reason).toMatch(/last: no response within 100 ms$/);
  });

  it("only probes http and https URLs", async () => {
    const result = await waitHealthy(
      { http: "file:///etc/passwd", timeoutSeconds: 1, intervalSeconds: 1 },
      { cwd: "/", ...fakeClock() },
    );
    expect(result).toEqual({
      healthy: false,
      attempts: 0,
      reason: "unsupported health URL scheme: file:",
    });
  });

  it("stops waiting when aborted", async () => {
    const dir = await releases.create();
    await script(dir, "bin/health", "exit 1");
    const controller = new AbortController();
    const clock = fakeClock();
    const result = await waitHealthy(
      { command: "bin/health", timeoutSeconds: 60, intervalSeconds: 1 },
      {
        cwd: dir,
        now: clock.now,
        sleep: async (ms) => {
          await clock.sleep(ms);
          controller.abort();
        },
        signal: controller.signal,
      },
    );
    expect(result).toEqual({ healthy: false, attempts: 1, reason: "aborted" });
  });
});
