import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chownSync, existsSync, mkdtempSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { freePort } from "./temp.js";

/**
 * PostgreSQL for tests. A server is either the one CI started (TILLROLL_TEST_PG_URL, a
 * superuser URL) or a throw-away cluster this module starts once per test process
 * (initdb + pg_ctl in a temp folder, a free loopback port, its unix socket in that folder)
 * and stops when the process exits. Every test asks for its own database
 * (`testDatabase()`), so tests never see each other's rows.
 */

export interface TestServer {
  /** A superuser URL (it may CREATE DATABASE), to the server's maintenance database. */
  readonly url: string;
}

export interface TestDatabase {
  /** A connection string to a fresh, empty database of its own. */
  readonly url: string;
  /** Drops the database (closing any connection still on it); safe to call twice. */
  drop(): Promise<void>;
}

/** Where the PostgreSQL programs are: Debian's versioned folder, else pg_config's. */
export function postgresBinDir(): string {
  const debian = "/usr/lib/postgresql/15/bin";
  if (existsSync(join(debian, "initdb"))) return debian;
  try {
    return execFileSync("pg_config", ["--bindir"], { encoding: "utf8" }).trim();
  } catch {
    throw new Error(
      "PostgreSQL is not installed (no /usr/lib/postgresql/15/bin, no pg_config): " +
        "run scripts/ensure-test-deps.sh or set TILLROLL_TEST_PG_URL",
    );
  }
}

/** initdb refuses to run as root: as root, run the programs as the postgres user. */
function runPg(bin: string, program: string, args: string[]): void {
  const asRoot = userInfo().uid === 0;
  const [file, argv] = asRoot
    ? ["runuser", ["-u", "postgres", "--", join(bin, program), ...args]]
    : [join(bin, program), args];
  execFileSync(file, argv, { stdio: "pipe" });
}

/** Starts a cluster in a new temp folder; stopped and removed when the process exits. */
async function startCluster(): Promise<TestServer> {
  const bin = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), "tillroll-pg-"));
  const data = join(dir, "data");
  if (userInfo().uid === 0) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    chownSync(dir, uid, gid);
  }
  runPg(bin, "initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
  const port = await freePort();
  const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir}`;
  runPg(bin, "pg_ctl", ["-D", data, "-l", join(dir, "log"), "-o", options, "-w", "start"]);
  stopWhenProcessEnds(bin, data, dir);
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres` };
}

/**
 * Stops the cluster and removes its folder once this process is gone, however it ends:
 * test runners kill their workers with signals, so an "exit" handler alone is not enough.
 * A detached shell polls this process's pid and cleans up after it.
 */
function stopWhenProcessEnds(bin: string, data: string, dir: string): void {
  const asRoot = userInfo().uid === 0;
  const pgCtl = `${asRoot ? "runuser -u postgres -- " : ""}"${join(bin, "pg_ctl")}"`;
  const script =
    `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; ` +
    `${pgCtl} -D "${data}" -m immediate -w stop >/dev/null 2>&1; rm -rf "${dir}"`;
  const watchdog = spawn("sh", ["-c", script], { detached: true, stdio: "ignore" });
  watchdog.unref();
}

// Process-wide on purpose: one cluster per test process, however many tests ask.
let started: Promise<TestServer> | undefined;

/** The server tests use: CI's when TILLROLL_TEST_PG_URL is set, else this process's own. */
export function startPostgres(): Promise<TestServer> {
  const fromCi = process.env.TILLROLL_TEST_PG_URL;
  if (fromCi !== undefined && fromCi !== "") return Promise.resolve({ url: fromCi });
  started ??= startCluster().catch((error: unknown) => {
    started = undefined;
    throw error;
  });
  return started;
}

/** `url` with its database name replaced. */
function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function onServer(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A fresh database `tillroll_t_<random>` on the test server. */
export async function testDatabase(): Promise<TestDatabase> {
  const server = await startPostgres();
  const name = `tillroll_t_${randomBytes(6).toString("hex")}`;
  await onServer(server.url, `CREATE DATABASE ${name}`);
  let dropped = false;
  return {
    url: withDatabase(server.url, name),
    async drop() {
      if (dropped) return;
      dropped = true;
      await onServer(server.url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
