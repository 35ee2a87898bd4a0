import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../../src/cli/console-client.js";
import type { CliValues } from "../../src/cli/options.js";
import { tlsChoice } from "../../src/cli/tls-flags.js";

const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

function tillroll(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 15_000 }, (error, _stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : null;
      resolve({ code, stderr });
    });
  });
}

describe("tlsChoice: the coordinator's TLS flags, checked together", () => {
  const cases: { values: CliValues; expected: ReturnType<typeof tlsChoice> | RegExp }[] = [
    { values: {}, expected: undefined },
    { values: { tls: true }, expected: { kind: "generated" } },
    {
      values: { "tls-cert": "c.pem", "tls-key": "k.pem" },
      expected: { kind: "operator", certFile: "c.pem", keyFile: "k.pem", caFile: undefined },
    },
    {
      values: { "tls-cert": "c.pem", "tls-key": "k.pem", "tls-ca": "ca.pem" },
      expected: { kind: "operator", certFile: "c.pem", keyFile: "k.pem", caFile: "ca.pem" },
    },
    { values: { tls: true, "allow-plaintext": true }, expected: { kind: "generated" } },
    {
      values: { tls: true, "allow-plaintext": true, "plain-mqtt-port": "1883" },
      expected: { kind: "generated" },
    },
    { values: { tls: true, "tls-cert": "c.pem" }, expected: /one or the other/ },
    { values: { "tls-cert": "c.pem" }, expected: /--tls-cert FILE and --tls-key FILE go together/ },
    { values: { "tls-ca": "ca.pem" }, expected: /go together/ },
    {
      values: { "allow-plaintext": true },
      expected: /--allow-plaintext is for a coordinator with TLS/,
    },
    {
      values: { "plain-http-port": "80" },
      expected: /--plain-http-port is for a coordinator with TLS/,
    },
    { values: { tls: true, "plain-mqtt-port": "1883" }, expected: /needs --allow-plaintext/ },
  ];
  for (const { values, expected } of cases) {
    it(JSON.stringify(values), () => {
      if (expected instanceof RegExp) {
        expect(() => tlsChoice(values)).toThrow(UsageError);
        expect(() => tlsChoice(values)).toThrow(expected);
      } else expect(tlsChoice(values)).toEqual(expected);
    });
  }
});

describe("tillroll coordinator: bad TLS material stops the start in one line", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "tillroll-tls-flags-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const start = (...flags: string[]) =>
    tillroll([
      "coordinator",
      "--data",
      join(dir, "data"),
      "--mqtt-port",
      "0",
      "--http-port",
      "0",
      ...flags,
    ]);

  it("a certificate file that is missing: exit 1, the file named, no stack", async () => {
    const { code, stderr } = await start(
      "--tls-cert",
      join(dir, "missing.pem"),
      "--tls-key",
      join(dir, "missing.key"),
    );
    expect(code).toBe(1);
    expect(stderr).toMatch(/^tillroll: TLS: .*--tls-cert.*missing\.pem/);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).not.toMatch(/\n\s+at |node:internal/);
  });

  it("a file that holds no certificate: exit 1, one line", async () => {
    const junk = join(dir, "junk.pem");
    await writeFile(junk, "not a certificate\n");
    const { code, stderr } = await start("--tls-cert", junk, "--tls-key", junk);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^tillroll: TLS: /);
    expect(stderr.trim().split("\n")).toHaveLength(1);
  });

  it("flags that do not go together: a usage error (exit 2)", async () => {
    const { code, stderr } = await start("--allow-plaintext");
    expect(code).toBe(2);
    expect(stderr).toMatch(/--allow-plaintext is for a coordinator with TLS/);
  });
});
