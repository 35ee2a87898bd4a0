import { DEFAULT_TOPIC_ROOT } from "@tillroll/protocol";
import mqtt from "mqtt";
import pg from "pg";
import { describe, expect, it, vi } from "vitest";
import type { Coordinator } from "../../src/coordinator.js";
import { LEADER_LOCK_KEY } from "../../src/replicas/pg-lock-session.js";
import { leads, publishPacks, replicaFixture, report, until } from "./replica-fixture.js";

/**
 * Issue 14 (replicas): release commands on a follower are carried out by the
 * leader's runner through PostgreSQL (replica_commands): the follower plans,
 * saves and publishes nothing itself; with no leader a command is refused
 * after the timeout with nothing changed; a follower's set-preferred skips the
 * rows an active release holds, as the leader's does; and a replica that lost
 * the lease leads again with a fresh runner.
 */

vi.setConfig({ testTimeout: 90_000 });

const fixture = replicaFixture("replica-commands");

type Release = { id: string; state: string; warnings?: string[] };

/** Counts the desired documents published live (not retained copies) per row topic. */
async function watchDesired(brokerUrl: string) {
  const client = await mqtt.connectAsync(brokerUrl, { protocolVersion: 4, clean: true });
  const counts = new Map<string, number>();
  client.on("message", (topic, _payload, packet) => {
    if (packet.retain) return;
    counts.set(topic, (counts.get(topic) ?? 0) + 1);
  });
  await client.subscribeAsync(`${DEFAULT_TOPIC_ROOT}/ws/+/+/desired`, { qos: 1 });
  return { counts, close: () => client.endAsync() };
}

/** Enrols the tills (through `on`) and has them report 1.0.0 until both replicas show their rows. */
async function fleet(on: Coordinator, other: Coordinator, store: string, count: number) {
  const tills = Array.from({ length: count }, (_, i) => ({ store, workstation: `0${i + 1}` }));
  const enrolled = await fixture.call(on, "POST", "/api/workstations", {
    workstations: tills.map((ws) => ({ ...ws, group: null })),
  });
  expect(enrolled.status, enrolled.text).toBe(201);
  // The other replica's mirror must know the tills before their reports reach it.
  await new Promise((resolve) => setTimeout(resolve, 300));
  await report(fixture.brokerUrl, tills, "1.0.0");
  const rowsOn = async (replica: Coordinator) => {
    const rows = (await fixture.call(replica, "GET", `/api/status?store=${store}`)).body;
    return Array.isArray(rows) ? rows.length : -1;
  };
  const deadline = Date.now() + 10_000;
  while ((await rowsOn(on)) !== count || (await rowsOn(other)) !== count) {
    if (Date.now() > deadline) throw new Error(`rows of ${store} not on both replicas`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return tills;
}

const spec = (name: string, store: string) => ({
  name,
  function: "pos-client",
  version: "1.1.0",
  stages: [{ name: "all" }],
  target: { store: [store] },
});

describe("release commands on two replicas", () => {
  it("created, started, paused and resumed through the follower: carried out once, by the leader", async () => {
    const log: string[] = [];
    const a = await fixture.replica("a", log);
    await until("a leads", () => leads(log, "a"));
    const b = await fixture.replica("b", log);
    const desired = await watchDesired(fixture.brokerUrl);
    try {
      // Through the leader: pack records are read by the leader's runner.
      await publishPacks(fixture, a, ["1.0.0", "1.1.0"]);
      const tills = await fleet(b, a, "7001", 3);

      const timings: number[] = [];
      const timed = async (method: string, path: string, body: unknown) => {
        const started = performance.now();
        const answer = await fixture.call(b, method, path, body);
        timings.push(performance.now() - started);
        return answer;
      };
      const created = await timed("POST", "/api/releases", spec("spring", "7001"));
      expect(created.status, created.text).toBe(201);
      const release = created.body as Release;
      expect(release.state).toBe("Ready");
      expect(release.warnings).toBeUndefined();
      const started = await timed("POST", "/api/releases/start", { id: release.id });
      expect(started.status, started.text).toBe(200);
      expect((started.body as Release).state).toBe("Running");
      const paused = await timed("POST", "/api/releases/pause", { id: release.id });
      expect(paused.status, paused.text).toBe(200);
      expect((paused.body as Release).state).toBe("Paused");
      const resumed = await timed("POST", "/api/releases/resume", { id: release.id });
      expect(resumed.status, resumed.text).toBe(200);
      expect((resumed.body as Release).state).toBe("Running");
      // The same answer on the leader.
      const onLeader = await fixture.call(a, "GET", `/api/releases/show?id=${release.id}`);
      expect((onLeader.body as Release).state).toBe("Running");

      // Each row got its desired document once: the leader's; the follower published none.
      const topics = tills.map(
        (ws) => `${DEFAULT_TOPIC_ROOT}/ws/${ws.store}/${ws.workstation}/desired`,
      );
      await until("every row's desired document", () => topics.every((t) => desired.counts.has(t)));
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(topics.map((t) => desired.counts.get(t))).toEqual([1, 1, 1]);
      expect(
        log.filter((line) => line.startsWith("a ") && line.includes(`release ${release.id}`))
          .length,
      ).toBeGreaterThan(0);
      expect(
        log.filter((line) => line.startsWith("b ") && line.includes(`release ${release.id}:`)),
      ).toEqual([]);
      console.log(
        `replica commands: follower round-trips (create, start, pause, resume) ${timings.map((ms) => ms.toFixed(0)).join(", ")} ms`,
      );

      // Issue 14 (2): the follower skips the rows the release holds, as the leader does.
      const preferred = {
        function: "pos-client",
        version: "1.0.0",
        filters: { store: ["7001"] },
        dryRun: true,
      };
      const onFollower = await fixture.call(b, "POST", "/api/set-preferred", preferred);
      const onLeaderToo = await fixture.call(a, "POST", "/api/set-preferred", preferred);
      expect(onFollower.status, onFollower.text).toBe(onLeaderToo.status);
      expect(onFollower.text).toContain(`in release task ${release.id} \\"spring\\"`);
      expect(onFollower.body).toEqual(onLeaderToo.body);
    } finally {
      await desired.close();
      await b.stop();
      await a.stop();
    }
  });

  it("with no leader a follower's command is refused after its timeout, nothing changed", async () => {
    // The test holds the leader lock: the replica stays a follower.
    const holder = new pg.Client({ connectionString: fixture.databaseUrl });
    await holder.connect();
    const log: string[] = [];
    let b: Coordinator | undefined;
    try {
      const locked = await holder.query(
        "SELECT pg_try_advisory_lock($1::int4, $2::int4) AS locked",
        [...LEADER_LOCK_KEY],
      );
      expect(locked.rows[0]?.locked).toBe(true);
      b = await fixture.replica("b", log, { commandTimeoutMs: 1_500 });
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(leads(log, "b")).toBe(false);
      const created = await fixture.call(b, "POST", "/api/releases", spec("orphan", "7001"));
      expect(created.status, created.text).toBe(201);
      const release = created.body as Release;
      // The record stands (it was saved first); nobody armed it: said in the answer.
      expect(release.warnings).toEqual([
        `release task ${release.id} is saved, but no leader replica carried out the command within 1500 ms: the replica that leads next takes it up (no need to create it again)`,
      ]);
      const before = Date.now();
      const start = await fixture.call(b, "POST", "/api/releases/start", { id: release.id });
      expect(start.status, start.text).toBe(503);
      expect(Date.now() - before).toBeGreaterThanOrEqual(1_400);
      expect((start.body as { error: string }).error).toBe(
        "no leader replica carried out the command within 1500 ms; nothing changed; try again",
      );
      const shown = await fixture.call(b, "GET", `/api/releases/show?id=${release.id}`);
      expect((shown.body as Release).state).toBe("Ready");
      const rows = await holder.query<{ kind: string; state: string }>(
        "SELECT kind, state FROM replica_commands ORDER BY id DESC LIMIT 2",
      );
      expect(rows.rows).toEqual([
        { kind: "operate", state: "abandoned" },
        { kind: "created", state: "abandoned" },
      ]);
      // Once it leads, the task it created is its runner's (loaded from the store).
      await holder.query("SELECT pg_advisory_unlock($1::int4, $2::int4)", [...LEADER_LOCK_KEY]);
      await until("b leads", () => leads(log, "b"));
      const started = await fixture.call(b, "POST", "/api/releases/cancel", { id: release.id });
      expect(started.status, started.text).toBe(200);
      expect((started.body as Release).state).toBe("Cancelled");
    } finally {
      await b?.stop();
      await holder.end();
    }
  });

  it("a command pending when a leader takes over is carried out by it", async () => {
    const holder = new pg.Client({ connectionString: fixture.databaseUrl });
    await holder.connect();
    const log: string[] = [];
    let b: Coordinator | undefined;
    try {
      await holder.query("SELECT pg_advisory_lock($1::int4, $2::int4)", [...LEADER_LOCK_KEY]);
      b = await fixture.replica("b", log, { commandTimeoutMs: 8_000 });
      const created = await fixture.call(b, "POST", "/api/releases", {
        ...spec("late", "7001"),
        schedule: { mode: "at", at: new Date(Date.now() + 86_400_000).toISOString() },
      });
      const release = created.body as Release;
      const cancel = fixture.call(b, "POST", "/api/releases/cancel", { id: release.id });
      await new Promise((resolve) => setTimeout(resolve, 500));
      // The lock comes free: b leads and its command server claims the pending cancel.
      await holder.query("SELECT pg_advisory_unlock($1::int4, $2::int4)", [...LEADER_LOCK_KEY]);
      const answer = await cancel;
      expect(answer.status, answer.text).toBe(200);
      expect((answer.body as Release).state).toBe("Cancelled");
      expect(leads(log, "b")).toBe(true);
    } finally {
      await b?.stop();
      await holder.end();
    }
  });

  it("a replica that lost the lease leads again later, with a fresh runner", async () => {
    const admin = new pg.Client({ connectionString: fixture.databaseUrl });
    await admin.connect();
    const log: string[] = [];
    const a = await fixture.replica("a", log);
    await until("a leads", () => leads(log, "a"));
    const b = await fixture.replica("b", log);
    let bStopped = false;
    const desired = await watchDesired(fixture.brokerUrl);
    try {
      const tills = await fleet(a, b, "7002", 2);
      // b's lock session: the lease connection that does not hold the lock.
      const leases = `application_name = 'tillroll-leader-lease' AND datname = current_database()`;
      const bLease = await admin.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE ${leases} AND pid NOT IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)`,
      );
      expect(bLease.rows).toHaveLength(1);
      const bPid = bLease.rows[0]?.pid;
      // a's lock connections are cut (as when its network fails) until b has taken over
      // (a would often win the free lock back first).
      const cutAt = Date.now();
      while (!leads(log, "b") && Date.now() - cutAt < 15_000) {
        await admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE ${leases} AND pid <> $1`,
          [bPid],
        );
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      console.log(
        `replica commands: b led ${Date.now() - cutAt} ms after a's lock connections were cut`,
      );
      expect(leads(log, "b")).toBe(true);
      expect(leads(log, "a")).toBe(false);
      expect(log).toContainEqual(
        expect.stringMatching(/^a leader duties: stopping \(lock connection lost/),
      );
      await b.stop();
      bStopped = true;
      const stoppedAt = Date.now();
      await until("a leads again", () => leads(log, "a"), 10_000);
      console.log(`replica commands: a led again ${Date.now() - stoppedAt} ms after b stopped`);
      // a's first term, (maybe a term it won back before b took over,) and this one.
      expect(
        log.filter((line) => line.startsWith("a leader duties: starting")).length,
      ).toBeGreaterThanOrEqual(2);

      // a's new term runs a release command on its fresh runner.
      const created = await fixture.call(a, "POST", "/api/releases", spec("again", "7002"));
      expect(created.status, created.text).toBe(201);
      const id = (created.body as Release).id;
      const started = await fixture.call(a, "POST", "/api/releases/start", { id });
      expect(started.status, started.text).toBe(200);
      expect((started.body as Release).state).toBe("Running");
      const topics = tills.map(
        (ws) => `${DEFAULT_TOPIC_ROOT}/ws/${ws.store}/${ws.workstation}/desired`,
      );
      await until("every row's desired document", () => topics.every((t) => desired.counts.has(t)));
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(topics.map((t) => desired.counts.get(t))).toEqual([1, 1]);
    } finally {
      await desired.close();
      if (!bStopped) await b.stop();
      await a.stop();
      await admin.end();
    }
  });
});
