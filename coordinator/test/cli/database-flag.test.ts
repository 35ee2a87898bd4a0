// `tillroll coordinator --database URL`: a value that is not a PostgreSQL URL is a usage error
// (exit 2, nothing started); a database that cannot be used stops the start in one line (exit 1).

import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT_CODES } from "../../src/cli/exit-codes.js";

const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

function tillroll(
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 15_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}

/** One line naming --database, no stack trace, no password. */
function expectOneLine(stderr: string, pattern: RegExp): void {
  expect(stderr).toMatch(pattern);
  expect(stderr.trim().split("\n")).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at |node:internal|Error: /);
  expect(stderr).not.toContain("secret");
}

describe("tillroll coordinator --database", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "tillroll-database-flag-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    [
      "mysql://root:secret@db/tillroll",
      /^tillroll: --database: a mysql:\/\/ URL is not PostgreSQL/,
    ],
    ["secret-db.example:5432", /^tillroll: --database: not a PostgreSQL URL: give/],
    ["tillroll", /^tillroll: --database: not a URL: give postgres:\/\//],
  ])("%s is a usage error; nothing is created", async (value, pattern) => {
    const data = join(dir, "refused");
    const { code, stderr } = await tillroll(["coordinator", "--data", data, "--database", value]);
    expect(code).toBe(EXIT_CODES.usage);
    expectOneLine(stderr, pattern);
    expect(await readdir(dir)).not.toContain("refused");
  });

  it("a database that cannot be used stops the start in one line naming it", async () => {
    const { code, stderr } = await tillroll([
      "coordinator",
      "--data",
      join(dir, "d1"),
      "--mqtt-port",
      "0",
      "--http-port",
      "0",
      "--database",
      "postgres://tillroll:secret@127.0.0.1:1/tillroll",
    ]);
    expect(code).toBe(EXIT_CODES.error);
    expectOneLine(
      stderr,
      /^tillroll: --database postgres:\/\/tillroll:\*\*\*@127\.0\.0\.1:1\/tillroll: \S/,
    );
  });

  it("is in the coordinator's help", async () => {
    const { code, stdout } = await tillroll(["coordinator", "--help"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/--database URL/);
  });
});

describe("tillroll coordinator --pack-base-url", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "tillroll-pack-base-url-flag-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    [
      "ftp://cdn.example/packs",
      /^tillroll: --pack-base-url: "ftp:\/\/cdn\.example\/packs" is not an http/,
    ],
    ["https://u:secret@cdn.example/", /^tillroll: --pack-base-url: a user or password/],
  ])("%s is a usage error; nothing is created", async (value, pattern) => {
    const data = join(dir, "refused");
    const { code, stderr } = await tillroll([
      "coordinator",
      "--data",
      data,
      "--pack-base-url",
      value,
    ]);
    expect(code).toBe(EXIT_CODES.usage);
    expectOneLine(stderr, pattern);
    expect(await readdir(dir)).not.toContain("refused");
  });

  it("is in the coordinator's help", async () => {
    const { stdout } = await tillroll(["coordinator", "--help"]);
    expect(stdout).toMatch(/--pack-base-url URL/);
  });
});
