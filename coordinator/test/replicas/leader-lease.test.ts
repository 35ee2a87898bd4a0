import { connect, createServer, type Server, type Socket } from "node:net";
import pg from "pg";
import { afterEach, describe, expect, it, vi } from "vitest";
import { testDatabase } from "../../../test/support/postgres.js";
import { LeaderLease } from "../../src/replicas/leader-lease.js";
import { LEADER_LOCK_KEY, openPgLockSession } from "../../src/replicas/pg-lock-session.js";

/**
 * Issue 14 (replicas): the leader lease on a real PostgreSQL. Two leases on one
 * database: one leads; its session killed on the server, the other leads
 * within 10 s; closed, it gives the lock back at once; its connection gone
 * silent, it stops leading by itself.
 */

vi.setConfig({ testTimeout: 40_000 });

const cleanups: (() => Promise<void>)[] = [];

/** A database of the test's own, dropped after it. */
async function freshDatabase(): Promise<string> {
  const database = await testDatabase();
  cleanups.unshift(() => database.drop());
  return database.url;
}

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

interface Replica {
  name: string;
  lease: LeaderLease;
  /** Every role change as told to the duties, with when. */
  changes: { role: string; reason: string; at: number }[];
  log: string[];
}

/** `down()`: the replica's process is gone, it cannot open a new session (a kill -9). */
function replica(name: string, connectionString: string, down = () => false): Replica {
  const changes: Replica["changes"] = [];
  const log: string[] = [];
  const lease = new LeaderLease({
    open: async () => {
      if (down()) throw new Error(`${name} is down`);
      return openPgLockSession({ connectionString });
    },
    onChange: (role, reason) => {
      changes.push({ role, reason, at: Date.now() });
      return undefined;
    },
    log: (line) => log.push(line),
  });
  cleanups.push(() => lease.close());
  lease.start();
  return { name, lease, changes, log };
}

async function admin(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  // The database is dropped WITH (FORCE) after the test: that end is expected.
  client.on("error", () => undefined);
  await client.connect();
  cleanups.push(() => client.end());
  return client;
}

/** The backend pid holding the leader lock, if any. */
async function holderPid(client: pg.Client): Promise<number | null> {
  const result = await client.query<{ pid: number }>(
    `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted
       AND classid = $1 AND objid = $2 AND objsubid = 2`,
    [LEADER_LOCK_KEY[0], LEADER_LOCK_KEY[1]],
  );
  return result.rows[0]?.pid ?? null;
}

async function until(what: string, test: () => boolean, ms = 10_000): Promise<number> {
  const started = Date.now();
  while (!test()) {
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Date.now() - started;
}

const leaders = (replicas: Replica[]) => replicas.filter((r) => r.lease.isLeader);

describe("leader lease on PostgreSQL", () => {
  it("two leases on one database: exactly one leads, and stays the only one", async () => {
    const url = await freshDatabase();
    const a = replica("a", url);
    const b = replica("b", url);
    await until("one leader", () => leaders([a, b]).length === 1);
    // Several probe rounds (2 s each): never two, never a change.
    for (let i = 0; i < 25; i++) {
      expect(leaders([a, b])).toHaveLength(1);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const leader = leaders([a, b])[0];
    expect(leader?.changes.map((c) => c.role)).toEqual(["leader"]);
    expect(leader?.log).toEqual(["leader lease: follower -> leader (advisory lock acquired)"]);
    const follower = leader === a ? b : a;
    expect(follower.changes).toEqual([]);
  });

  it("the leader's process killed (its session ends on the server): the other leads within 10 s", async () => {
    const url = await freshDatabase();
    const client = await admin(url);
    let aKilled = false;
    const a = replica("a", url, () => aKilled);
    await until("a leads", () => a.lease.isLeader);
    const b = replica("b", url);
    // b has tried at least once (and was refused) before the kill.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(b.lease.isLeader).toBe(false);
    const pid = await holderPid(client);
    expect(pid).not.toBeNull();
    const killedAt = Date.now();
    aKilled = true;
    await client.query("SELECT pg_terminate_backend($1)", [pid]);
    const stopped = await until("a stops leading", () => !a.lease.isLeader, 3_000);
    await until("b leads", () => b.lease.isLeader, 10_000);
    const takeover = Date.now() - killedAt;
    const aStop = a.changes.find((c) => c.role === "follower");
    const bStart = b.changes.find((c) => c.role === "leader");
    expect(aStop?.reason).toMatch(/^lock connection lost: /);
    // Never two leaders: a stopped before b started.
    expect(aStop?.at ?? Number.POSITIVE_INFINITY).toBeLessThanOrEqual(bStart?.at ?? 0);
    console.log(
      `leader lease: killed leader stopped after ${stopped} ms, b led after ${takeover} ms`,
    );
    expect(takeover).toBeLessThan(10_000);
    // a back up: a follower on a new session (b holds the lock now).
    aKilled = false;
    await new Promise((resolve) => setTimeout(resolve, 4_500));
    expect(a.lease.isLeader).toBe(false);
    expect(b.lease.isLeader).toBe(true);
    expect(await holderPid(client)).not.toBe(pid);
  });

  it("the leader's session killed while its process lives: it stops at once, and exactly one leads again within 10 s", async () => {
    const url = await freshDatabase();
    const client = await admin(url);
    const a = replica("a", url);
    await until("a leads", () => a.lease.isLeader);
    const b = replica("b", url);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await client.query("SELECT pg_terminate_backend($1)", [await holderPid(client)]);
    await until("a stops leading", () => !a.lease.isLeader, 3_000);
    // Whoever tries first after the kill wins, a on its new session or b.
    await until("one leads", () => leaders([a, b]).length === 1, 10_000);
    for (let i = 0; i < 15; i++) {
      expect(leaders([a, b]).length).toBeLessThanOrEqual(1);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(leaders([a, b])).toHaveLength(1);
  });

  it("a closed lease gives the lock back at once", async () => {
    const url = await freshDatabase();
    const client = await admin(url);
    const a = replica("a", url);
    await until("a leads", () => a.lease.isLeader);
    expect(await holderPid(client)).not.toBeNull();
    await a.lease.close();
    expect(a.lease.isLeader).toBe(false);
    expect(a.changes.map((c) => `${c.role} ${c.reason}`)).toEqual([
      "leader advisory lock acquired",
      "follower lease closed",
    ]);
    expect(await holderPid(client)).toBeNull();
    const taken = await client.query<{ locked: boolean }>(
      "SELECT pg_try_advisory_lock($1::int4, $2::int4) AS locked",
      [...LEADER_LOCK_KEY],
    );
    expect(taken.rows[0]?.locked).toBe(true);
  });

  it("the leader's connection goes silent: its heartbeat times out and it stops leading, then the other leads", async () => {
    const url = await freshDatabase();
    const proxy = await FreezableProxy.open(url);
    cleanups.push(() => proxy.close());
    const a = replica("a", proxy.url);
    await until("a leads", () => a.lease.isLeader);
    const b = replica("b", url);
    await new Promise((resolve) => setTimeout(resolve, 500));
    proxy.freeze();
    const frozenAt = Date.now();
    // One interval to the next heartbeat, plus its 3 s time-out.
    await until("a stops leading", () => !a.lease.isLeader, 7_000);
    expect(a.changes.at(-1)?.reason).toMatch(/^lock connection lost: .*timeout/i);
    await until("b leads", () => b.lease.isLeader, 10_000);
    console.log(`leader lease: silent connection, takeover after ${Date.now() - frozenAt} ms`);
  });
});

/**
 * A TCP hop to PostgreSQL that can go silent (bytes held, nothing closed), as a
 * cut network looks to the side that is still up. A side that closes its
 * socket closes the other.
 */
class FreezableProxy {
  private frozen = false;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async open(target: string): Promise<FreezableProxy> {
    const parsed = new URL(target);
    let proxy: FreezableProxy | null = null;
    const server = createServer((inbound) => {
      const outbound = connect(Number(parsed.port), parsed.hostname);
      proxy?.sockets.add(inbound).add(outbound);
      const drop = () => {
        inbound.destroy();
        outbound.destroy();
      };
      inbound.on("error", drop).on("close", drop);
      outbound.on("error", drop).on("close", drop);
      inbound.on("data", (chunk) => {
        if (!proxy?.frozen) outbound.write(chunk);
      });
      outbound.on("data", (chunk) => {
        if (!proxy?.frozen) inbound.write(chunk);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    const url = new URL(target);
    url.port = String(typeof address === "object" && address !== null ? address.port : 0);
    proxy = new FreezableProxy(server, url.toString());
    return proxy;
  }

  freeze(): void {
    this.frozen = true;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
