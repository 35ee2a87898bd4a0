import type { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import {
  compileFilter,
  createRetainedIndexPersistence,
  type RetainedPacket,
} from "../../src/broker/retained-index.js";

async function topics(stream: Readable): Promise<string[]> {
  const found: string[] = [];
  for await (const packet of stream) found.push((packet as RetainedPacket).topic);
  return found;
}

function retained(topic: string, payload = `doc of ${topic}`): RetainedPacket {
  return { cmd: "publish", topic, payload: Buffer.from(payload), qos: 1, retain: true };
}

describe("compileFilter (MQTT 3.1.1 §4.7)", () => {
  it.each([
    ["sport/tennis/player1/#", "sport/tennis/player1", true],
    ["sport/tennis/player1/#", "sport/tennis/player1/ranking", true],
    ["sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true],
    ["sport/tennis/player1/#", "sport/tennis/player2", false],
    ["sport/#", "sport", true],
    ["sport/#", "sports", false],
    ["#", "sport/tennis", true],
    ["#", "$SYS/broker", false],
    ["+/monitor/Clients", "$SYS/monitor/Clients", false],
    ["$SYS/#", "$SYS/monitor/Clients", true],
    ["$SYS/monitor/+", "$SYS/monitor/Clients", true],
    ["sport/tennis/+", "sport/tennis/player1", true],
    ["sport/tennis/+", "sport/tennis/player1/ranking", false],
    ["sport/tennis/+", "sport/tennis", false],
    ["sport/+", "sport/", true],
    ["sport/+", "sport", false],
    ["+/+", "/finance", true],
    ["/+", "/finance", true],
    ["+", "/finance", false],
    ["+", "finance", true],
    ["a/+/#", "a/b", true],
    ["a/+/#", "a", false],
    ["a/+/c", "a/b/c", true],
    ["a/+/c", "a/b/d", false],
    ["tillroll/v1/ws/+/+/status", "tillroll/v1/ws/1001/01/status", true],
    ["tillroll/v1/ws/+/+/status", "tillroll/v1/ws/1001/01/desired", false],
    ["tillroll/v1/ws/+/+/status", "tillroll/v1/ws/1001/status", false],
    ["exact/topic", "exact/topic", true],
    ["exact/topic", "exact/topic/x", false],
  ])("%s matches %s: %s", (filter, topic, expected) => {
    expect(compileFilter(filter)(topic)).toBe(expected);
  });
});

describe("RetainedIndexPersistence", () => {
  async function persistenceWith(...names: string[]) {
    const persistence = createRetainedIndexPersistence();
    for (const name of names) await persistence.storeRetained(retained(name));
    return persistence;
  }

  it("answers an exact filter with its one message", async () => {
    const p = await persistenceWith("t/ws/1/01/status", "t/ws/1/02/status", "t/ws/1/01/presence");
    expect(await topics(p.createRetainedStream("t/ws/1/01/status"))).toEqual(["t/ws/1/01/status"]);
    expect(await topics(p.createRetainedStream("t/ws/1/03/status"))).toEqual([]);
  });

  it("answers wildcard filters by matching", async () => {
    const p = await persistenceWith("t/ws/1/01/status", "t/ws/1/02/status", "t/ws/1/01/presence");
    expect((await topics(p.createRetainedStream("t/ws/+/+/status"))).sort()).toEqual([
      "t/ws/1/01/status",
      "t/ws/1/02/status",
    ]);
    expect(await topics(p.createRetainedStream("t/#"))).toHaveLength(3);
    expect(await topics(p.createRetainedStream("#"))).toHaveLength(3);
  });

  it("keeps one message per topic, the latest", async () => {
    const p = createRetainedIndexPersistence();
    await p.storeRetained(retained("a/b", "first"));
    await p.storeRetained(retained("a/b", "second"));
    const [packet] = await (async () => {
      const out: RetainedPacket[] = [];
      for await (const item of p.createRetainedStream("a/b")) out.push(item as RetainedPacket);
      return out;
    })();
    expect(packet?.payload.toString()).toBe("second");
    expect(p.retainedCount).toBe(1);
  });

  it("stores a copy, so later changes to aedes's packet do not leak in", async () => {
    const p = createRetainedIndexPersistence();
    const packet = retained("a/b");
    await p.storeRetained(packet);
    packet.topic = "changed";
    expect(await topics(p.createRetainedStream("a/b"))).toEqual(["a/b"]);
  });

  it("removes the message on a zero-byte retained publish (§3.3.1.3)", async () => {
    const p = await persistenceWith("a/b", "a/c");
    await p.storeRetained(retained("a/b", ""));
    expect(await topics(p.createRetainedStream("a/b"))).toEqual([]);
    expect(await topics(p.createRetainedStream("a/+"))).toEqual(["a/c"]);
    expect(p.retainedCount).toBe(1);
  });

  it("sends a message matched by overlapping filters of one SUBSCRIBE once (§3.3.5)", async () => {
    const p = await persistenceWith("a/b", "a/c", "x/y");
    const found = await topics(p.createRetainedStreamCombi(["a/b", "a/+", "#", "a/b", "x/y"]));
    expect(found.sort()).toEqual(["a/b", "a/c", "x/y"]);
  });

  it("never hands $ topics to filters starting with a wildcard (§4.7.2)", async () => {
    const p = await persistenceWith("$SYS/x", "a/b");
    expect(await topics(p.createRetainedStream("#"))).toEqual(["a/b"]);
    expect(await topics(p.createRetainedStream("+/x"))).toEqual([]);
    expect(await topics(p.createRetainedStream("$SYS/#"))).toEqual(["$SYS/x"]);
  });

  it("keeps the rest of the default memory persistence (wills, subscriptions)", async () => {
    // Inherited from aedes-persistence's MemoryPersistence, not declared by our class.
    const p = createRetainedIndexPersistence() as ReturnType<
      typeof createRetainedIndexPersistence
    > & {
      addSubscriptions(client: unknown, subs: unknown[]): Promise<void>;
      subscriptionsByClient(client: unknown): Promise<unknown[]>;
    };
    const client = { id: "agent.1001.01" };
    await p.setup({ id: "broker-1" });
    await p.addSubscriptions(client, [{ topic: "t/ws/1/01/desired", qos: 1 }]);
    expect(await p.subscriptionsByClient(client)).toEqual([
      expect.objectContaining({ topic: "t/ws/1/01/desired", qos: 1 }),
    ]);
    expect(p.setup.constructor.name).toBe("AsyncFunction");
    await p.destroy();
  });

  it("answers 20,000 exact lookups among 20,000 retained messages without scanning", async () => {
    const p = createRetainedIndexPersistence();
    const names = Array.from({ length: 20_000 }, (_, i) => `tillroll/v1/ws/S${i}/01/status`);
    for (const name of names) await p.storeRetained(retained(name));
    const started = performance.now();
    let found = 0;
    for (const name of names) found += (await topics(p.createRetainedStreamCombi([name]))).length;
    const elapsed = performance.now() - started;
    expect(found).toBe(20_000);
    // A scan per lookup is 4e8 topic tests (minutes); lookups take well under a second.
    expect(elapsed).toBeLessThan(5_000);
  });
});
