// openStore: JSON files without --database; a --database URL goes to the PostgreSQL store
// (a stub until it is built in), and whatever stops it is one StartupError naming --database.

import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StartupError } from "../../src/setup/startup-error.js";
import { databaseUrlProblem, redactDatabaseUrl } from "../../src/store/database-url.js";
import { JsonCoordinatorStore } from "../../src/store/json/json-store.js";
import { openStore } from "../../src/store/open-store.js";

describe("databaseUrlProblem", () => {
  it.each([
    ["postgres://tillroll:secret@127.0.0.1:5432/tillroll", null],
    ["postgresql://db.example/tillroll", null],
    ["postgresql:///tillroll?host=/var/run/postgresql", null],
  ])("%s is a PostgreSQL URL", (text, problem) => {
    expect(databaseUrlProblem(text)).toBe(problem);
  });

  it.each([
    ["mysql://root:secret@db/tillroll", /a mysql:\/\/ URL is not PostgreSQL/],
    ["http://db.example/tillroll", /a http:\/\/ URL is not PostgreSQL/],
    ["db.example:5432", /^not a PostgreSQL URL/],
    ["tillroll:secret@db.example/tillroll", /^not a PostgreSQL URL/],
    ["tillroll", /not a URL/],
    ["", /not a URL/],
  ])("%j is refused, saying what to give", (text, why) => {
    const problem = databaseUrlProblem(text);
    expect(problem).toMatch(why);
    expect(problem).toContain("postgres://user:password@host:5432/database");
    // The value may hold a password: never echoed back.
    if (text.includes("secret")) expect(problem).not.toContain("secret");
  });

  it("redacts the password, and only the password", () => {
    expect(redactDatabaseUrl("postgres://u:secret@h:5432/db")).toBe("postgres://u:***@h:5432/db");
    expect(redactDatabaseUrl("postgres://u@h/db")).toBe("postgres://u@h/db");
    expect(redactDatabaseUrl("not a url")).toBe("(the --database URL)");
  });
});

describe("openStore", () => {
  let dir: string;
  const log = () => undefined;
  const now = () => Date.parse("2026-12-01T00:00:00.000Z");
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "tillroll-open-store-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("opens the JSON files of the data folder without --database", async () => {
    const store = await openStore({ dataDir: dir, now, log });
    try {
      expect(store).toBeInstanceOf(JsonCoordinatorStore);
      expect(store.workstations.count()).toBe(0);
      expect(store.fleet.table.all()).toEqual([]);
      expect(store.webhooks.list()).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it("refuses a URL that is not PostgreSQL, naming --database, writing nothing", async () => {
    const opening = openStore({ dataDir: dir, database: "mysql://u:secret@h/db", now, log });
    await expect(opening).rejects.toBeInstanceOf(StartupError);
    await expect(opening).rejects.toThrow(/^--database: a mysql:\/\/ URL is not PostgreSQL/);
    await expect(opening).rejects.not.toThrow(/secret/);
    expect(await readdir(dir)).toEqual([]);
  });

  it("reports what stops the PostgreSQL store as one StartupError, password hidden", async () => {
    // The stub refuses; the real store refuses a server on a port nothing listens on.
    const database = "postgres://tillroll:secret@127.0.0.1:1/tillroll";
    const error = await openStore({ dataDir: dir, database, now, log }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartupError);
    const message = (error as Error).message;
    expect(message).toMatch(/^--database postgres:\/\/tillroll:\*\*\*@127\.0\.0\.1:1\/tillroll: /);
    expect(message).not.toContain("secret");
    expect(message).not.toContain("\n");
  });
});
