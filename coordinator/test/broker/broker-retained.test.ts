import { describe, expect, it } from "vitest";
import { collect, publish, ROOT, subscribe, topic, useBroker, WS2, waitFor } from "./helpers.js";

/** End to end against a real broker: the retained index behind many exact subscriptions. */

const f = useBroker();

describe("embedded broker: retained index", () => {
  it("gives 2,000 exact subscriptions exactly their retained message, and a wildcard all", async () => {
    const count = 2_000;
    const stores = Array.from({ length: count }, (_, i) => `S${i}`);
    const topics = stores.map((store) => topic("status", { store, workstation: "01" }));
    const publisher = await f.as(f.broker.coordinator);
    await Promise.all(topics.map((t, i) => publish(publisher, t, `{"n":${i}}`)));

    const reader = await f.as(f.broker.coordinator);
    const perTopic = new Map<string, string[]>();
    reader.on("message", (t, payload) => {
      perTopic.set(t, [...(perTopic.get(t) ?? []), payload.toString()]);
    });
    for (let i = 0; i < count; i += 250) {
      const granted = await subscribe(reader, topics.slice(i, i + 250));
      expect(granted.every((g) => g === 1)).toBe(true);
    }
    await waitFor("2,000 retained messages", () => perTopic.size === count, 8_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    topics.forEach((t, i) => {
      expect(perTopic.get(t)).toEqual([`{"n":${i}}`]);
    });

    const fleet = await f.as(f.broker.coordinator);
    let fleetCount = 0;
    fleet.on("message", (t) => {
      if (t.startsWith(`${ROOT}/ws/S`)) fleetCount++;
    });
    await subscribe(fleet, [`${ROOT}/ws/+/01/status`]);
    await waitFor("wildcard retained messages", () => fleetCount === count, 8_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(fleetCount).toBe(count);
  }, 20_000);

  it("forgets a retained message on a zero-byte retained publish (§3.3.1.3)", async () => {
    const coordinator = await f.as(f.broker.coordinator);
    await publish(coordinator, topic("desired", WS2), '{"seq":1}');
    await publish(coordinator, topic("desired", WS2), "");
    const reader = await f.as(f.broker.coordinator);
    const received = collect(reader);
    await subscribe(reader, [topic("desired", WS2), `${ROOT}/ws/+/+/desired`]);
    await publish(coordinator, topic("presence", WS2), "sentinel", false);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(received).toEqual([]);
  });

  it("sends a retained message matched by overlapping filters of one SUBSCRIBE once (§3.3.5)", async () => {
    const coordinator = await f.as(f.broker.coordinator);
    await publish(coordinator, topic("status", WS2), '{"once":true}');
    const reader = await f.as(f.broker.coordinator);
    const received = collect(reader);
    await subscribe(reader, [
      topic("status", WS2),
      `${ROOT}/ws/+/+/status`,
      `${ROOT}/ws/1001/+/status`,
    ]);
    await waitFor("retained status", () => received.length > 0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(received.filter((m) => m.payload === '{"once":true}')).toHaveLength(1);
    expect(received[0]?.retain).toBe(true);
  });
});
