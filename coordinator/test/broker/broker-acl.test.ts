import { describe, expect, it } from "vitest";
import {
  AGENT1,
  AGENT2,
  closed,
  collect,
  end,
  logged,
  POS1,
  publish,
  ROOT,
  subscribe,
  topic,
  useBroker,
  WS1,
  WS2,
  waitFor,
} from "./helpers.js";

/** End to end against a real broker: who may publish and subscribe to what. */

const f = useBroker();

describe("embedded broker: publish ACL", () => {
  it("lets an agent publish its own status and the coordinator read it", async () => {
    const coordinator = await f.as(f.broker.coordinator);
    const received = collect(coordinator);
    expect(await subscribe(coordinator, [`${ROOT}/ws/+/+/status`])).toEqual([1]);
    const agent = await f.as(AGENT1);
    await publish(agent, topic("status"), '{"own":true}');
    await waitFor("own status", () => received.some((m) => m.topic === topic("status")));
  });

  it("closes an agent that publishes another workstation's status; nobody receives it", async () => {
    const coordinator = await f.as(f.broker.coordinator);
    const received = collect(coordinator);
    expect(await subscribe(coordinator, [topic("status", WS2), topic("presence", WS1)])).toEqual([
      1, 1,
    ]);

    const intruder = await f.as(AGENT1);
    const gone = closed(intruder);
    intruder.publish(topic("status", WS2), '{"forged":true}', { qos: 1, retain: true });
    await gone;
    await logged(f.broker, "belongs to workstation 1001/02");

    // A legitimate message after the refusal arrives; the forged one never did.
    const honest = await f.as(AGENT1);
    await publish(honest, topic("presence", WS1), '{"sentinel":true}');
    await waitFor("sentinel", () => received.some((m) => m.payload === '{"sentinel":true}'));
    expect(received.some((m) => m.payload.includes("forged"))).toBe(false);
    // Nor was it retained for later subscribers.
    const late = await f.as(f.broker.coordinator);
    const lateReceived = collect(late);
    await subscribe(late, [topic("status", WS2)]);
    await publish(honest, topic("presence", WS1), '{"sentinel":2}');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(lateReceived).toEqual([]);
  });

  it("closes a POS that publishes a kind it does not own", async () => {
    const client = await f.as(POS1);
    const gone = closed(client);
    client.publish(topic("maintenance"), '{"active":false}', { qos: 1 });
    await gone;
  });

  it("refuses a 1 MB publish, closes that client and keeps serving the others", async () => {
    const coordinator = await f.as(f.broker.coordinator);
    const received = collect(coordinator);
    await subscribe(coordinator, [`${ROOT}/ws/+/+/log`, `${ROOT}/ws/+/+/status`]);

    const flooder = await f.as(AGENT1);
    const gone = closed(flooder);
    flooder.publish(topic("log"), Buffer.alloc(1024 * 1024, 0x61), { qos: 1 });
    await gone;
    // Refused at its fixed header (frame-gate.ts): the body is never read.
    await logged(f.broker, "declares");
    expect(f.broker.logs.filter((line) => line.includes("declares"))).toEqual([
      expect.stringMatching(/a packet of type 3 declares 1048\d{3} bytes/),
    ]);

    const other = await f.as(AGENT2);
    await publish(other, topic("status", WS2), '{"after":"flood"}');
    await waitFor("status after the flood", () =>
      received.some((m) => m.payload === '{"after":"flood"}'),
    );
    expect(received.some((m) => m.topic === topic("log"))).toBe(false);
    expect(coordinator.connected).toBe(true);
  });

  it("refuses a payload one byte over the limit (the packet itself fits the frame limit)", async () => {
    const flooder = await f.as(AGENT1);
    const gone = closed(flooder);
    flooder.publish(topic("log"), Buffer.alloc(256 * 1024 + 1, 0x61), { qos: 1 });
    await gone;
    await logged(f.broker, "may not publish 262145 bytes");
  });

  it("accepts a payload of exactly the limit", async () => {
    const coordinator = await f.as(f.broker.coordinator);
    const received = collect(coordinator);
    await subscribe(coordinator, [topic("log")]);
    const agent = await f.as(AGENT1);
    await publish(agent, topic("log"), Buffer.alloc(256 * 1024, 0x62), false);
    await waitFor("full-size log", () => received.some((m) => m.payload.length === 256 * 1024));
  });

  it("publishes an agent's own last will when its connection breaks", async () => {
    const coordinator = await f.as(f.broker.coordinator);
    const received = collect(coordinator);
    await subscribe(coordinator, [topic("presence")]);
    const agent = await f.as(AGENT1, {
      will: {
        topic: topic("presence"),
        payload: Buffer.from('{"will":true}'),
        qos: 1,
        retain: true,
      },
    });
    agent.stream.destroy();
    await waitFor("last will", () => received.some((m) => m.payload === '{"will":true}'));
  });
});

describe("embedded broker: subscribe ACL", () => {
  it("grants an agent its own desired and session, refuses the rest with 0x80 (§3.9.3)", async () => {
    const agent = await f.as(AGENT1);
    const received = collect(agent);
    const granted = await subscribe(agent, [
      topic("desired"),
      topic("desired", WS2),
      `${ROOT}/#`,
      "$SYS/#",
      `${ROOT}/ws/+/01/desired`,
      topic("session"),
      topic("status"),
    ]);
    expect(granted).toEqual([1, 128, 128, 128, 128, 1, 128]);
    expect(agent.connected).toBe(true);

    const coordinator = await f.as(f.broker.coordinator);
    await publish(coordinator, topic("desired", WS2), '{"for":"02"}');
    await publish(coordinator, topic("desired"), '{"for":"01"}');
    await waitFor("own desired", () => received.some((m) => m.payload === '{"for":"01"}'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(received.map((m) => m.payload)).toEqual(['{"for":"01"}']);
  });

  it("refuses a subscription to another workstation's desired and to the whole root: no messages", async () => {
    const coordinator = await f.as(f.broker.coordinator);
    await publish(coordinator, topic("desired", WS2), '{"retained":"02"}');
    const agent = await f.as(AGENT1);
    const received = collect(agent);
    expect(await subscribe(agent, [topic("desired", WS2)])).toEqual([128]);
    expect(await subscribe(agent, [`${ROOT}/#`])).toEqual([128]);
    await publish(coordinator, topic("desired", WS2), '{"live":"02"}');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(received).toEqual([]);
    await logged(f.broker, `may not subscribe to "${ROOT}/#"`);
  });

  it("gives a POS its own maintenance, notice and presence, and its store's maintenance (issue 13)", async () => {
    const posClient = await f.as(POS1);
    const granted = await subscribe(posClient, [
      topic("maintenance"),
      topic("notice"),
      topic("presence"),
      topic("maintenance", WS2),
      "tillroll/v1/ws/1001/+/maintenance",
      topic("maintenance", { store: "1002", workstation: "01" }),
      "tillroll/v1/ws/+/+/maintenance",
      topic("notice", WS2),
      topic("desired"),
      topic("session"),
    ]);
    expect(granted).toEqual([1, 1, 1, 1, 1, 128, 128, 128, 128, 128]);
  });

  it("keeps a persistent session's queued messages for the agent (clean session 0)", async () => {
    const id = "agent.1001.01";
    const first = await f.as(AGENT1, { clientId: id, clean: false });
    expect(await subscribe(first, [topic("desired")])).toEqual([1]);
    await end(first);
    const coordinator = await f.as(f.broker.coordinator);
    await publish(coordinator, topic("desired"), '{"queued":true}', false);
    let received: ReturnType<typeof collect> = [];
    await f.as(AGENT1, { clientId: id, clean: false }, (client) => {
      received = collect(client);
    });
    await waitFor("queued desired", () => received.some((m) => m.payload === '{"queued":true}'));
  });
});
