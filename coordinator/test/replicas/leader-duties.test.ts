import pg from "pg";
import { afterEach, describe, expect, it, vi } from "vitest";
import { testDatabase } from "../../../test/support/postgres.js";
import { coordinatorDuties } from "../../src/replicas/coordinator-duties.js";
import { LeaderDuties, type LeaderDuty, planDuties } from "../../src/replicas/leader-duties.js";
import { startLeadership } from "../../src/replicas/leadership.js";
import { LEADER_LOCK_KEY, openPgLockSession } from "../../src/replicas/pg-lock-session.js";

/**
 * Issue 14 (replicas): the leader-only duties follow the lease. With the JSON
 * store they simply start; on PostgreSQL exactly one replica runs them, and
 * another starts them within 10 s of the leader's death.
 */

vi.setConfig({ testTimeout: 40_000 });

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

/** Duties that record what was done to them, in order, as `name start|stop`. */
function recorded(names: string[]) {
  const done: string[] = [];
  const duties: LeaderDuty[] = names.map((name) => ({
    name,
    start: async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      done.push(`${name} start`);
    },
    stop: async () => {
      done.push(`${name} stop`);
    },
  }));
  return { duties, done };
}

async function until(what: string, test: () => boolean, ms = 10_000): Promise<number> {
  const started = Date.now();
  while (!test()) {
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Date.now() - started;
}

describe("planDuties", () => {
  it.each([
    ["idle", "leader", "leading", "start"],
    ["idle", "follower", "idle", "none"],
    ["leading", "leader", "leading", "none"],
    ["leading", "follower", "idle", "stop"],
  ] as const)("%s + %s -> %s, %s", (state, role, next, action) => {
    expect(planDuties(state, role)).toEqual({ next, action });
  });
});

describe("LeaderDuties", () => {
  it("starts in order, stops in reverse, and a repeated role does nothing", async () => {
    const { duties, done } = recorded(["runner", "schedules", "notices"]);
    const log: string[] = [];
    const leader = new LeaderDuties(duties, (line) => log.push(line));
    // Told back to back: the stop waits for the start under way.
    const told = [
      leader.onRole("leader", "advisory lock acquired"),
      leader.onRole("leader", "again"),
      leader.onRole("follower", "lock connection lost: gone"),
      leader.onRole("follower", "again"),
    ];
    await Promise.all(told);
    expect(done).toEqual([
      "runner start",
      "schedules start",
      "notices start",
      "notices stop",
      "schedules stop",
      "runner stop",
    ]);
    expect(log).toEqual([
      "leader duties: starting (advisory lock acquired): runner, schedules, notices",
      "leader duties: stopping (lock connection lost: gone): notices, schedules, runner",
    ]);
    await leader.onRole("leader", "back");
    expect(done.slice(6)).toEqual(["runner start", "schedules start", "notices start"]);
  });

  it("leads again after a term ended: every duty starts again", async () => {
    const { duties, done } = recorded(["runner"]);
    const leader = new LeaderDuties(duties, () => undefined);
    await leader.onRole("leader", "acquired");
    await leader.onRole("follower", "lost");
    await leader.onRole("leader", "acquired again");
    expect(done).toEqual(["runner start", "runner stop", "runner start"]);
    expect(leader.leading).toBe(true);
  });

  it("a failed start rejects, nothing after it starts, and it is still stopped with the rest", async () => {
    const done: string[] = [];
    const duty = (name: string, fails = false): LeaderDuty => ({
      name,
      start: async () => {
        if (fails) throw new Error("boom");
        done.push(`${name} start`);
      },
      stop: async () => void done.push(`${name} stop`),
    });
    const leader = new LeaderDuties(
      [duty("runner"), duty("broken", true), duty("notices")],
      () => undefined,
    );
    await expect(leader.onRole("leader", "acquired")).rejects.toThrow("broken did not start: boom");
    await leader.close();
    expect(done).toEqual(["runner start", "broken stop", "runner stop"]);
  });
});

describe("startLeadership", () => {
  it("JSON store (no --database): the duties run before it resolves, no lease", async () => {
    const { duties, done } = recorded(["runner", "notices"]);
    const leadership = await startLeadership({ database: undefined, duties, log: () => undefined });
    expect(done).toEqual(["runner start", "notices start"]);
    await leadership.close();
    expect(done.slice(2)).toEqual(["notices stop", "runner stop"]);
  });

  it("PostgreSQL: one of two replicas runs the duties; the leader killed, the other runs them within 10 s; closed, it gives the lock back", async () => {
    const database = await testDatabase();
    cleanups.push(() => database.drop());
    let aDown = false;
    const a = recorded(["runner"]);
    const b = recorded(["runner"]);
    const leadershipA = await startLeadership({
      database: database.url,
      duties: a.duties,
      log: () => undefined,
      openSession: async () => {
        if (aDown) throw new Error("a is down");
        return openPgLockSession({ connectionString: database.url });
      },
    });
    cleanups.push(() => leadershipA.close());
    await until("a runs its duties", () => leadershipA.duties.leading);
    const leadershipB = await startLeadership({
      database: database.url,
      duties: b.duties,
      log: () => undefined,
    });
    cleanups.push(() => leadershipB.close());
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(leadershipB.duties.leading).toBe(false);
    expect(b.done).toEqual([]);

    // a's process dies: its session ends on the server, it cannot open another.
    const admin = new pg.Client({ connectionString: database.url });
    admin.on("error", () => undefined);
    await admin.connect();
    cleanups.push(() => admin.end());
    const holder = await admin.query<{ pid: number }>(
      "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = $1 AND objid = $2",
      [...LEADER_LOCK_KEY],
    );
    aDown = true;
    const killedAt = Date.now();
    await admin.query("SELECT pg_terminate_backend($1)", [holder.rows[0]?.pid]);
    await until("a stops its duties", () => a.done.includes("runner stop"), 2_000);
    await until("b runs the duties", () => b.done.includes("runner start"), 10_000);
    console.log(`leader duties: taken over ${Date.now() - killedAt} ms after the leader's death`);

    // b closed: its duties stop, then the lock is free at once.
    await leadershipB.close();
    expect(b.done).toEqual(["runner start", "runner stop"]);
    const free = await admin.query<{ locked: boolean }>(
      "SELECT pg_try_advisory_lock($1::int4, $2::int4) AS locked",
      [...LEADER_LOCK_KEY],
    );
    expect(free.rows[0]?.locked).toBe(true);
  });
});

describe("coordinatorDuties", () => {
  it("starts notices delivery, the runner, blackout cancels, then replica commands; stops in reverse; leads again", async () => {
    const done: string[] = [];
    const duties = coordinatorDuties({
      runner: {
        begin: async () => void done.push("runner begin"),
        end: async () => void done.push("runner end"),
      },
      scheduleConsole: { cancelLeftovers: async () => void done.push("cancel leftovers") },
      notices: {
        start: () => void done.push("notices start"),
        stopDelivery: async () => void done.push("notices stop"),
      },
      commands: {
        start: async () => void done.push("commands start"),
        stop: async () => void done.push("commands stop"),
      },
    });
    const leadership = await startLeadership({ database: undefined, duties, log: () => undefined });
    await leadership.close();
    expect(done).toEqual([
      "notices start",
      "runner begin",
      "cancel leftovers",
      "commands start",
      "commands stop",
      "runner end",
      "notices stop",
    ]);
    // Issue 14: a term's end is not the last: the same duties start a new term.
    await leadership.duties.onRole("leader", "again");
    expect(done.slice(7)).toEqual([
      "notices start",
      "runner begin",
      "cancel leftovers",
      "commands start",
    ]);
    await leadership.close();
  });
});
