import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildAgentBundle } from "../../scripts/bundle.mjs";

const run = promisify(execFile);

/**
 * The single-file agent (scripts/bundle.mjs) leaves out what the agent never
 * runs, to keep its idle footprint down: the left-out packages must not be in
 * it, and the agent must still start.
 */
describe("the agent bundle", () => {
  let dir: string;
  let file: string;
  let source: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "tillroll-bundle-"));
    file = (await buildAgentBundle(join(dir, "tillroll-agent.mjs"))).outFile;
    source = await readFile(file, "utf8");
  }, 60_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("runs (--help)", async () => {
    const { stdout } = await run(process.execPath, [file, "--help"]);
    expect(stdout).toContain("tillroll-agent --config FILE");
  });

  it("has no WebSocket, SOCKS or browser-timer code, and zod's English messages only", () => {
    expect(source).not.toContain("node_modules/ws/");
    expect(source).not.toContain("node_modules/socks/");
    expect(source).not.toContain("node_modules/worker-timers/");
    expect(source).not.toContain("Zu gro"); // zod/v4/locales/de.js: "Zu groß: erwartet …"
    expect(source).toContain("is not in the tillroll-agent bundle");
    expect(source.length).toBeLessThan(1_200_000);
  });
});
