import { readFile } from "node:fs/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { downloadVerified } from "../../src/download/download.js";
import {
  type FakeClock,
  fakeClock,
  makePack,
  type Pack,
  serve,
  sha256Of,
  startServer,
  type TempDir,
  type TestServer,
  tempDir,
} from "./helpers.js";
import { TEST_CERT, TEST_KEY } from "./tls-fixture.js";

describe("downloadVerified over HTTPS", () => {
  let dir: TempDir;
  let server: TestServer;
  let clock: FakeClock;
  let pack: Pack;

  beforeEach(async () => {
    dir = await tempDir();
    clock = fakeClock();
    pack = makePack(50_000);
    server = await startServer((ctx) => serve(ctx, pack.body), { cert: TEST_CERT, key: TEST_KEY });
  });
  afterEach(async () => {
    await server.close();
    await dir.remove();
  });

  const request = () => ({
    url: server.url(),
    sha256: pack.sha256,
    size: pack.size,
    destPath: dir.file("p.tgz"),
    deadline: clock.now() + 600_000,
  });

  it("trusts the injected CA", async () => {
    const result = await downloadVerified(request(), {
      now: clock.now,
      sleep: clock.sleep,
      tls: { ca: TEST_CERT },
    });
    expect(result.ok).toBe(true);
    expect(sha256Of(await readFile(dir.file("p.tgz")))).toBe(pack.sha256);
  });

  it("an untrusted certificate is definitive, not retried", async () => {
    const result = await downloadVerified(request(), { now: clock.now, sleep: clock.sleep });
    expect(result).toMatchObject({ ok: false, kind: "definitive" });
    expect(result.ok === false && result.reason).toMatch(/^TLS error: .*self[- ]signed/i);
    expect(clock.sleeps).toEqual([]);
  });
});
