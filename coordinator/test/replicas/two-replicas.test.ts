import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import type { Coordinator } from "../../src/coordinator.js";
import { leads, replicaFixture, report, until } from "./replica-fixture.js";

/**
 * Issue 14 (replicas), the foundations in a real coordinator: two coordinators
 * on one PostgreSQL (`database`) and one Mosquitto (`brokerUrl`): both take
 * the fleet's reports as a shared subscription, exactly one leads, and when it
 * stops the other leads within 10 s. (The full failover test, with agents and
 * a kill -9 mid-release, builds on this.)
 */

vi.setConfig({ testTimeout: 60_000 });

const fixture = replicaFixture("two-replicas");

describe("two coordinators on one PostgreSQL and one Mosquitto", () => {
  it("share the reports, one leads, and the other leads within 10 s once it stops", async () => {
    const log: string[] = [];
    const a = await fixture.replica("a", log);
    const b = await fixture.replica("b", log);
    await until("one leads", () => leads(log, "a") || leads(log, "b"));
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(leads(log, "a") && leads(log, "b")).toBe(false);
    // Each replica subscribed to the shared filters.
    const subscribed = fixture.mosquitto.log();
    expect(subscribed.match(/\$share\/tillroll\/tillroll\/v1\/ws\/\+\/\+\/status/g)).toHaveLength(
      2,
    );
    // The plain filter once: the leader's read of the retained reports as it took the lead
    // (ingest/retained-sweep.ts), unsubscribed after.
    expect(subscribed.match(/ tillroll\/v1\/ws\/\+\/\+\/status/g)).toHaveLength(1);

    const [leader, follower, followerName] = leads(log, "a") ? [a, b, "b"] : [b, a, "a"];
    const stoppedAt = Date.now();
    await leader.stop();
    await until(`${followerName} leads`, () => leads(log, followerName), 10_000);
    console.log(
      `two replicas: the follower led ${Date.now() - stoppedAt} ms after the leader stopped`,
    );
    expect(log).toContainEqual(
      `${followerName} leader duties: starting (advisory lock acquired): retained reports sweep, notices delivery, release runner, blackout cancels, replica commands`,
    );
    await follower.stop();
  });

  it("each sees the whole fleet: a till enrolled on one reports through both, its rows on both", async () => {
    const log: string[] = [];
    const a = await fixture.replica("a", log);
    const b = await fixture.replica("b", log);
    try {
      const tills = Array.from({ length: 6 }, (_, i) => ({
        store: "8008",
        workstation: `0${i + 1}`,
      }));
      // Enrolled through a only: b's mirror must know the tills to take their reports.
      const enrolled = await fixture.call(a, "POST", "/api/workstations", {
        workstations: tills.map((ws) => ({ ...ws, group: null })),
      });
      expect(enrolled.status, enrolled.text).toBe(201);
      // A plain client (Mosquitto here is anonymous): the share group hands each report to one.
      await report(fixture.brokerUrl, tills, "1.0.0");
      const rowsOn = async (on: Coordinator) => {
        const rows = (await fixture.call(on, "GET", "/api/status?store=8008")).body;
        return Array.isArray(rows) ? rows.length : -1;
      };
      const deadline = Date.now() + 10_000;
      while ((await rowsOn(a)) !== 6 || (await rowsOn(b)) !== 6) {
        if (Date.now() > deadline)
          throw new Error(`rows: a ${await rowsOn(a)}, b ${await rowsOn(b)} of 6`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it("the web console on either: a session opened on one works on the other; logout and a reset end it on both", async () => {
    const log: string[] = [];
    const a = await fixture.replica("a", log);
    const b = await fixture.replica("b", log);
    try {
      const token = (await readFile(join(fixture.dir, "data", "operator-token"), "utf8")).trim();
      const call = async (
        on: Coordinator,
        method: string,
        path: string,
        auth: { bearer?: string; cookie?: string; csrf?: string },
        body?: unknown,
      ) => {
        const response = await fetch(`${on.httpUrl}${path}`, {
          method,
          headers: {
            ...(auth.bearer === undefined ? {} : { authorization: `Bearer ${auth.bearer}` }),
            ...(auth.cookie === undefined ? {} : { cookie: auth.cookie }),
            ...(auth.csrf === undefined ? {} : { "x-csrf-token": auth.csrf }),
            ...(body === undefined ? {} : { "content-type": "application/json" }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        const answer = (await response.json()) as Record<string, unknown>;
        return {
          status: response.status,
          body: answer,
          cookie: response.headers.get("set-cookie"),
        };
      };
      const login = async (on: Coordinator, password: string) => {
        const answer = await call(on, "POST", "/api/session", {}, { name: "olga", password });
        expect(answer.status, JSON.stringify(answer.body)).toBe(200);
        return {
          cookie: (answer.cookie ?? "").split(";")[0] as string,
          csrf: answer.body.csrfToken as string,
        };
      };
      const whoOn = async (on: Coordinator, session: { cookie: string }) =>
        (await call(on, "GET", "/api/session", session)).status;

      // Added through a: b hears of the new operator (tillroll_mirrors) and lets it log in.
      const added = await call(
        a,
        "POST",
        "/api/operators",
        { bearer: token },
        {
          name: "olga",
          role: "viewer",
        },
      );
      expect(added.status, JSON.stringify(added.body)).toBe(201);
      const first = await login(a, added.body.password as string);
      const deadline = Date.now() + 5_000;
      while ((await whoOn(b, first)) !== 200) {
        if (Date.now() > deadline) throw new Error("b never accepted the session opened on a");
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect((await call(b, "GET", "/api/session", first)).body).toMatchObject({
        name: "olga",
        csrfToken: first.csrf,
      });
      // Logout through b ends it on a.
      const ended = await call(b, "POST", "/api/session/end", first, {});
      expect(ended.body).toMatchObject({ ok: true, ended: true });
      expect(await whoOn(b, first)).toBe(401);
      expect(await whoOn(a, first)).toBe(401);

      // A reset through b ends the session opened on a, on both; the new password works on
      // b and its session on a (a read the reset operator again, so it is not taken for stale).
      const second = await login(a, added.body.password as string);
      expect(await whoOn(b, second)).toBe(200);
      const reset = await call(
        b,
        "POST",
        "/api/operators/reset",
        { bearer: token },
        { name: "olga" },
      );
      expect(reset.status, JSON.stringify(reset.body)).toBe(200);
      expect(await whoOn(b, second)).toBe(401);
      const until401 = Date.now() + 5_000;
      while ((await whoOn(a, second)) !== 401) {
        if (Date.now() > until401) throw new Error("a still accepts a session the reset ended");
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const third = await login(b, reset.body.password as string);
      const until200 = Date.now() + 5_000;
      while ((await whoOn(a, third)) !== 200) {
        if (Date.now() > until200) throw new Error("a refuses the session opened after the reset");
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(await whoOn(b, third)).toBe(200);
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
