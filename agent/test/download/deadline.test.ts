import { existsSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { downloadVerified } from "../../src/download/download.js";
import { makePack, startServer, type TempDir, type TestServer, tempDir } from "./helpers.js";

/**
 * Issue 8 item 8: a server that sends 1 byte every few hundred ms never trips
 * the idle timeout; only the deadline can end the transfer, and it must do
 * so while bytes are still coming in, not after the (endless) body.
 */
describe("downloadVerified: the deadline holds during a transfer", () => {
  let server: TestServer | undefined;
  let dir: TempDir | undefined;
  afterEach(async () => {
    await server?.close();
    await dir?.remove();
  });

  it("a trickling server is cut off at the deadline, definitively, part removed", async () => {
    dir = await tempDir();
    const pack = makePack(4096);
    server = await startServer(({ res }) => {
      res.writeHead(200, { "content-length": String(pack.size) });
      let sent = 0;
      const drip = setInterval(() => {
        if (res.destroyed || sent >= pack.size) return clearInterval(drip);
        res.write(pack.body.subarray(sent, sent + 1));
        sent += 1;
      }, 100);
      res.on("close", () => clearInterval(drip));
    });
    const destPath = dir.file(`${pack.sha256}.tgz`);
    const started = Date.now();
    const result = await downloadVerified(
      {
        url: server.url(),
        sha256: pack.sha256,
        size: pack.size,
        destPath,
        deadline: started + 1_000,
      },
      { now: () => Date.now(), sleep: (ms) => sleep(ms), idleTimeoutMs: 30_000 },
    );
    const took = Date.now() - started;
    expect(result).toMatchObject({
      ok: false,
      kind: "definitive",
      reason: expect.stringMatching(
        /^deadline passed during attempt 1 \(\d+ of 4096 bytes received\)$/,
      ),
    });
    expect(took).toBeGreaterThanOrEqual(950);
    expect(took).toBeLessThan(2_500);
    expect(existsSync(`${destPath}.part`)).toBe(false);
  });
});
