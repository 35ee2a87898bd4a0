// `tillroll migrate` as an operator runs it (the built CLI, a real PostgreSQL): bad inputs are
// one sentence naming what was wrong, exit non-zero and write nothing; a good run prints the
// counts per kind.

import { execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startPostgres, type TestDatabase, testDatabase } from "../../../test/support/postgres.js";
import { rowsByTable } from "../../src/store/migrate/migrate-to-postgres.js";
import { openPgDatabase } from "../../src/store/pg/pg-database.js";

const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

function tillroll(
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 30_000 }, (error, stdout, stderr) => {
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

async function tables(url: string): Promise<Map<string, number>> {
  const db = openPgDatabase({ url, max: 1 });
  try {
    return await rowsByTable(db);
  } finally {
    await db.close();
  }
}

beforeAll(() => startPostgres(), 120_000);

let root: string;
let data: string;
let database: TestDatabase;
beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), "tillroll-migrate-cli-"));
  data = join(root, "data");
  mkdirSync(data);
  // The smallest data folder a coordinator leaves: its operator token.
  writeFileSync(join(data, "operator-token"), "legacy-token\n", { mode: 0o600 });
  database = await testDatabase();
});
afterEach(async () => {
  await database.drop();
  rmSync(root, { recursive: true, force: true });
});

// Each case starts the CLI once or twice: seconds each on a busy machine.
describe("tillroll migrate", { timeout: 60_000 }, () => {
  it("without --to (or --from) is a usage error naming the flag", async () => {
    const noTo = await tillroll(["migrate", "--from", data]);
    expect(noTo.code).toBe(2);
    expectOneSentence(noTo.stderr, /--to .*is required/);
    // The usage names what the flags take here (not the ISO times of blackout add's --from/--to).
    expect(noTo.stderr).toContain("tillroll migrate --from DATA --to postgres://…");
    const noFrom = await tillroll(["migrate", "--to", database.url]);
    expect(noFrom.code).toBe(2);
    expectOneSentence(noFrom.stderr, /--from .*is required/);
    expect(await tables(database.url)).toEqual(new Map());
  });

  it("refuses a --to that is not a PostgreSQL URL", async () => {
    const { code, stderr } = await tillroll(["migrate", "--from", data, "--to", "mysql://x/y"]);
    expect(code).toBe(2);
    expectOneSentence(stderr, /--to mysql:\/\/x\/y: not a PostgreSQL URL/);
  });

  it("names a database it cannot reach, in one sentence", async () => {
    const url = "postgres://tillroll:secret-pass@127.0.0.1:1/tillroll";
    const { code, stderr } = await tillroll(["migrate", "--from", data, "--to", url]);
    expect(code).toBe(1);
    expectOneSentence(
      stderr,
      /--to postgres:\/\/tillroll:\*\*\*@127\.0\.0\.1:1\/tillroll: cannot prepare/,
    );
    expect(stderr).not.toContain("secret-pass");
  });

  it("refuses a folder that is not a coordinator's data folder, writing nothing", async () => {
    const photos = join(root, "photos");
    mkdirSync(photos);
    const { code, stderr } = await tillroll(["migrate", "--from", photos, "--to", database.url]);
    expect(code).toBe(1);
    expectOneSentence(stderr, /--from .*photos: not a coordinator data folder/);
    expect(readdirSync(photos)).toEqual([]);
    expect(await tables(database.url)).toEqual(new Map());
  });

  it("refuses a folder a coordinator still runs on, naming its pid", async () => {
    const coordinator = spawn(
      process.execPath,
      [CLI, "coordinator", "--data", data, "--http-port", "0", "--mqtt-port", "0"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        let out = "";
        coordinator.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes("coordinator: http")) resolve();
        });
        coordinator.once("exit", (code) => reject(new Error(`coordinator exited ${code}: ${out}`)));
      });
      const { code, stderr } = await tillroll(["migrate", "--from", data, "--to", database.url]);
      expect(code).toBe(1);
      expectOneSentence(
        stderr,
        new RegExp(
          `a coordinator \\(pid ${coordinator.pid}\\) still runs on this folder: stop it first`,
        ),
      );
      expect(await tables(database.url)).toEqual(new Map());
    } finally {
      coordinator.kill("SIGTERM");
      await new Promise((resolve) => coordinator.once("exit", resolve));
    }
  });

  it("moves a data folder and prints the counts; a second run is refused, naming the data", async () => {
    const first = await tillroll(["migrate", "--from", data, "--to", database.url]);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/moved .* to postgres:\/\//);
    expect(first.stdout).toMatch(/workstations\s+0\n/);
    expect(first.stdout).toMatch(/operators\s+0\n/);
    // Not empty any more: a workstation stands in for what a coordinator wrote since.
    const db = openPgDatabase({ url: database.url, max: 1 });
    await db.query(
      `INSERT INTO workstations (store, workstation, record) VALUES ('1001', '01', '{}')`,
    );
    await db.close();
    const before = await tables(database.url);
    const second = await tillroll(["migrate", "--from", data, "--to", database.url]);
    expect(second.code).toBe(1);
    expectOneSentence(
      second.stderr,
      /already holds tillroll data \(workstations: 1\); migrate only into an empty database/,
    );
    expect(await tables(database.url)).toEqual(before);
  });
});
