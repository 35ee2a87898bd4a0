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
});
