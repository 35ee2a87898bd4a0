import { execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

/** Runs the built `tillroll` and resolves its exit code and output, whatever the code. */
function tillroll(
  args: string[],
  timeoutMs = 15_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: timeoutMs }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}

/** One line, naming what was wrong, and no stack trace or Node internals. */
function expectOneSentence(stderr: string, pattern: RegExp): void {
  expect(stderr).toMatch(pattern);
  expect(stderr.trim().split("\n")).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at |node:internal|Error: /);
}

describe("tillroll: errors are sentences, not stack traces", () => {
  let dir: string;
  let busy: Server;
  let busyPort: number;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "tillroll-cli-errors-"));
    busy = createServer();
    busyPort = await new Promise<number>((resolve) =>
      busy.listen(0, "127.0.0.1", () => resolve((busy.address() as { port: number }).port)),
    );
  });
  afterAll(async () => {
    await new Promise((resolve) => busy.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it("HTTP port in use", async () => {
    const { code, stderr } = await tillroll([
      "coordinator",
      "--data",
      join(dir, "d1"),
      "--mqtt-port",
      "0",
      "--http-port",
      String(busyPort),
    ]);
    expect(code).toBe(1);
    expectOneSentence(
      stderr,
      new RegExp(
        `--http-port ${busyPort}: 127\\.0\\.0\\.1:${busyPort} is already in use.*choose another --http-port`,
      ),
    );
  });

  it("MQTT port in use", async () => {
    const { code, stderr } = await tillroll([
      "coordinator",
      "--data",
      join(dir, "d2"),
      "--mqtt-port",
      String(busyPort),
      "--http-port",
      "0",
    ]);
    expect(code).toBe(1);
    expectOneSentence(stderr, new RegExp(`--mqtt-port ${busyPort}: .* is already in use`));
  });

  it("an address that is not this machine's, and a host that is no name at all", async () => {
    const away = await tillroll([
      "coordinator",
      "--data",
      join(dir, "d3"),
      "--host",
      "192.0.2.1",
      "--mqtt-port",
      "0",
      "--http-port",
      "0",
    ]);
    expect(away.code).toBe(1);
    expectOneSentence(
      away.stderr,
      /--mqtt-port 0: 192\.0\.2\.1:0: that address is not one of this machine's/,
    );
    const typo = await tillroll([
      "coordinator",
      "--data",
      join(dir, "d4"),
      "--host",
      "nonsense..x",
    ]);
    expect(typo.code).toBe(2);
    expectOneSentence(typo.stderr, /--host: "nonsense\.\.x" is not an IP address or host name/);
  });

  it("bad ports", async () => {
    for (const bad of ["80x", "70000", "-1", ""]) {
      const { code, stderr } = await tillroll([
        "coordinator",
        "--data",
        join(dir, "d5"),
        `--http-port=${bad}`,
      ]);
      expect(code).toBe(2);
      expectOneSentence(stderr, /--http-port: .* is not a port number/);
    }
  });

  it("--data that is a file, below a file, or on /proc (which once spun forever)", async () => {
    const file = join(dir, "a-file");
    await writeFile(file, "x");
    const cases: [string, RegExp][] = [
      [file, /is a file, not a folder: name a folder/],
      [join(file, "below"), /a-file is a file, not a folder, so .*below cannot be created there/],
      [
        "/proc/tillroll-x",
        /cannot create the folder \/proc\/tillroll-x \(ENOENT: this file system does not hold folders/,
      ],
    ];
    for (const [data, pattern] of cases) {
      const started = Date.now();
      const { code, stderr } = await tillroll(
        ["coordinator", "--data", data, "--mqtt-port", "0", "--http-port", "0"],
        10_000,
      );
      expect(code).toBe(1);
      expect(Date.now() - started).toBeLessThan(8_000);
      expectOneSentence(stderr, pattern);
    }
  });

  it("a closed output pipe ends the command quietly", async () => {
    const child = spawn(process.execPath, [CLI, "--help"], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.destroy(); // the reader went away (`tillroll --help | head -0`)
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(stderr).not.toMatch(/EPIPE|\n\s+at /);
    expect(code).toBe(0);
  });

  it("--version and per-command help", async () => {
    const pkg = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8"));
    expect((await tillroll(["--version"])).stdout).toBe(`tillroll ${pkg.version}\n`);
    const help = await tillroll(["set-preferred", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: tillroll set-preferred --function F --version V\|-/);
    expect(help.stdout).toContain("Examples:\n  tillroll set-preferred");
    const typo = await tillroll(["status", "--stor", "1001"]);
    expect(typo.code).toBe(2);
    expectOneSentence(typo.stderr, /--stor is not a flag; did you mean --store\?/);
  });
});
