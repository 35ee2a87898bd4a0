import { execFile } from "node:child_process";
import { chown, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { freePort } from "../broker-config/mosquitto-process.js";

/**
 * A throw-away PostgreSQL for the replica tests until test/support/postgres.ts
 * (pg-core) is on this branch: TILLROLL_TEST_PG_URL when set, else a cluster of
 * its own (initdb + pg_ctl in a temp folder, loopback only, trust auth; as user
 * postgres when run as root, since initdb refuses root).
 */

const run = promisify(execFile);
const BIN = "/usr/lib/postgresql/15/bin";

export interface PgServer {
  /** A connection string to a fresh, empty database of its own. */
  freshDatabase(): Promise<string>;
  stop(): Promise<void>;
}

export async function startPgServer(): Promise<PgServer> {
  const given = process.env.TILLROLL_TEST_PG_URL;
  if (given !== undefined && given !== "") return databasesOn(given, async () => undefined);
  const dir = await mkdtemp(join(tmpdir(), "tillroll-pg-"));
  const asRoot = process.getuid?.() === 0;
  const as = async (command: string, args: string[]) =>
    asRoot
      ? run("runuser", ["-u", "postgres", "--", join(BIN, command), ...args])
      : run(join(BIN, command), args);
  if (asRoot) {
    const { uid, gid } = await postgresIds();
    await chown(dir, uid, gid);
  }
  const data = join(dir, "data");
  await as("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]);
  const port = await freePort();
  await as("pg_ctl", [
    "-D",
    data,
    "-l",
    join(dir, "log"),
    "-w",
    "-o",
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
    "start",
  ]);
  return databasesOn(`postgres://postgres@127.0.0.1:${port}/postgres`, async () => {
    await as("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });
}

function databasesOn(adminUrl: string, stopServer: () => Promise<void>): PgServer {
  const made: string[] = [];
  const admin = async <T>(fn: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  };
  return {
    freshDatabase: async () => {
      const name = `tillroll_t_${Math.random().toString(36).slice(2, 10)}`;
      await admin((client) => client.query(`CREATE DATABASE ${name}`));
      made.push(name);
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return url.toString();
    },
    stop: async () => {
      await admin(async (client) => {
        for (const name of made) await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      }).catch(() => undefined);
      await stopServer();
    },
  };
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([
    run("id", ["-u", "postgres"]),
    run("id", ["-g", "postgres"]),
  ]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}
