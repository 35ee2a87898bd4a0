import { STATUSES, type Status } from "@tillroll/protocol";
import { afterEach, describe, expect, it } from "vitest";
import { startBroker } from "../support/broker.js";
import { pollUntil } from "../support/wait.js";
import { slices, startFleetProcs, sumStats } from "./fleet-procs.js";
import type { FleetStats } from "./fleet-sim.js";
import { coordinatorDouble, desired, entry, fleetOf } from "./sim-fixtures.js";

/**
 * A simulated fleet split across simulator processes (fleet-procs.ts): the
 * split and the summed counters as tables, then two processes against a
 * real broker taking a signed update.
 */

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

function stats(connected: number, ok: number, extra: Partial<FleetStats> = {}): FleetStats {
  const byStatus = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>;
  byStatus.OK = ok;
  return {
    connected,
    desiredReceived: 0,
    desiredRejected: 0,
    desiredStale: 0,
    statusesSent: 0,
    errors: 0,
    byStatus,
    ...extra,
  };
}

describe("slices", () => {
  it.each([
    { items: 10, parts: 3, sizes: [4, 3, 3] },
    { items: 9, parts: 3, sizes: [3, 3, 3] },
    { items: 2, parts: 4, sizes: [1, 1] },
    { items: 50_000, parts: 4, sizes: [12_500, 12_500, 12_500, 12_500] },
    { items: 0, parts: 2, sizes: [] },
  ])("$items items in $parts parts: $sizes, in order", ({ items, parts, sizes }) => {
    const list = Array.from({ length: items }, (_, i) => i);
    const out = slices(list, parts);
    expect(out.map((s) => s.length)).toEqual(sizes);
    expect(out.flat()).toEqual(list);
  });

  it.each([0, -1, 1.5, Number.NaN])("refuses %s processes, naming the option", (parts) => {
    expect(() => slices([1], parts)).toThrow(/processes must be a positive integer/);
  });
});

describe("sumStats", () => {
  it("adds every counter and every status", () => {
    const sum = sumStats([
      stats(3, 2, { desiredReceived: 4, statusesSent: 7 }),
      stats(5, 1, { desiredRejected: 1, errors: 1 }),
    ]);
    expect(sum).toMatchObject({
      connected: 8,
      desiredReceived: 4,
      desiredRejected: 1,
      statusesSent: 7,
      errors: 1,
    });
    expect(sum.byStatus.OK).toBe(3);
    expect(sumStats([]).connected).toBe(0);
  });
});

describe("fleet split across simulator processes, against aedes", () => {
  it("60 workstations in 2 processes connect, take a signed update and end OK on it", async () => {
    const b = await startBroker();
    cleanups.push(() => b.stop());
    const coordinator = await coordinatorDouble(b);
    cleanups.push(() => coordinator.close());
    const refs = fleetOf(60);
    const sim = await startFleetProcs({
      brokerUrl: b.url,
      coordinatorKey: coordinator.publicKey,
      workstations: refs,
      initialVersion: "1.0.0",
      seed: 3,
      installMs: { min: 0, max: 50 },
      processes: 2,
    });
    cleanups.push(() => sim.close());
    await sim.waitFor((s) => s.connected() === 60, 5_000);
    await pollUntil(() => coordinator.status.size === 60, 5_000, "60 initial status documents");
    await Promise.all(
      refs.map((ref) => coordinator.publish(ref, desired(Date.now(), entry("1.1.0"), ref))),
    );
    await sim.waitFor(
      (s) => s.stats().byStatus.OK === 60 && s.stats().desiredReceived === 60,
      10_000,
    );
    expect(sim.stats()).toMatchObject({ connected: 60, desiredRejected: 0, errors: 0 });
    expect(() => sim.statusOf("1001", "01")).toThrow(/not offered/);
    await sim.close();
    // Every till said goodbye: DISCONNECT after offline presence, no will.
    await pollUntil(
      () =>
        [...coordinator.presence.values()].every(
          (p) => JSON.parse(p.at(-1) ?? "{}").state === "offline",
        ),
      5_000,
      "60 offline",
    );
  });
});
