import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { generateSigningKeyPair } from "@tillroll/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildAgentBundle } from "../../scripts/bundle.mjs";

const run = promisify(execFile);

/** A loopback port that was free a moment ago (listened on, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

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

  it("connects over mqtt:// without loading TLS or https (loaded on the first mqtts:// connection or https:// download), and zod generates no parser code", async () => {
    // A port nobody listens on: self-test connects (mqtt.js loads its transports then) and fails.
    const port = await closedPort();
    await writeFile(
      join(dir, "agent.json"),
      JSON.stringify({
        store: "1001",
        workstation: "01",
        broker: `mqtt://127.0.0.1:${port}`,
        root: "root",
        state: "state",
        coordinatorKey: generateSigningKeyPair().publicKey,
      }),
    );
    // Counts code made at run time (zod's object fast path: `new Function`) and prints it, and
    // the built-in modules loaded, as the process exits.
    const probe = join(dir, "probe.mjs");
    await writeFile(
      probe,
      [
        "let made = 0;",
        "globalThis.Function = new Proxy(Function, { construct(target, args) { made++; return Reflect.construct(target, args); } });",
        'process.on("exit", () => process.stderr.write("\\nLOADED " + JSON.stringify({ made, loaded: process.moduleLoadList })));',
      ].join("\n"),
    );
    const failed = await run(process.execPath, [
      "--import",
      probe,
      file,
      "self-test",
      "--config",
      join(dir, "agent.json"),
    ]).then(
      () => undefined,
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(failed?.code, failed?.stderr).toBe(1);
    expect(failed?.stderr).toContain("ECONNREFUSED");
    const { made, loaded }: { made: number; loaded: string[] } = JSON.parse(
      failed?.stderr.split("\nLOADED ")[1] ?? "{}",
    );
    // Its config was parsed with zod object schemas: under --jitless generated code only costs memory.
    expect(made).toBe(0);
    expect(loaded).toContain("NativeModule net");
    expect(loaded.filter((name) => /^NativeModule (tls|https|_tls_wrap)$/.test(name))).toEqual([]);
  });

  it("loads luxon on the first maintenance window it works out, and the calculus works", async () => {
    // In the agent's bundle the protocol's luxon import is the shim that loads it on first use.
    expect(source).toContain('"tillroll-lazy-luxon:luxon"');
    const entry = fileURLToPath(new URL("./fixtures/window-entry.mjs", import.meta.url));
    const bundled = (await buildAgentBundle(join(dir, "window.mjs"), entry)).outFile;
    const { stdout } = await run(process.execPath, ["--jitless", bundled]);
    expect(JSON.parse(stdout)).toEqual({
      gate: { open: false, opensAt: Date.UTC(2026, 0, 12, 1) },
      reason: "waiting for the maintenance window (opens Mon 2026-01-12 02:00 Europe/Berlin)",
    });
  });

  it("has no WebSocket, SOCKS, browser-timer or readable-stream code, and of zod only what is used, in English", () => {
    expect(source).not.toContain("node_modules/ws/");
    expect(source).not.toContain("node_modules/socks/");
    expect(source).not.toContain("node_modules/worker-timers/");
    expect(source).not.toContain("Zu gro"); // zod/v4/locales/de.js: "Zu groß: erwartet …"
    expect(source).toContain("is not in the tillroll-agent bundle");
    // readable-stream is node:stream in the bundle (its copy of Node's primordials is not in it).
    expect(source).not.toContain("require_primordials");
    // zod is imported as a namespace (`import * as z`), so esbuild keeps only what is used:
    // not zod's JSON Schema reader, which `import { z } from "zod"` kept with all the rest.
    expect(source).not.toContain("function fromJSONSchema");
    expect(source.length).toBeLessThan(850_000);
  });
});
