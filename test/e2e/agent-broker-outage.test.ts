import { decodePayload, type StatusDocument, topicFor } from "@tillroll/protocol";
import mqtt from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { type AgentKit, agentKit } from "./agent-kit.js";

describe("agent: the broker goes down for 20 s during an update", () => {
  let kit: AgentKit | undefined;
  let subscriber: mqtt.MqttClient | undefined;
  afterEach(async () => {
    await subscriber?.endAsync(true);
    await kit?.close();
    kit = undefined;
  });

  it("the update completes and every status report made meanwhile arrives afterwards, in order", async () => {
    kit = await agentKit("outage", { extraConfig: { reconnectMaxSeconds: 4 } });
    await kit.pack({ name: "pos-client", version: "1.0.0" });
    await kit.pack({
      name: "pos-client",
      version: "1.1.0",
      beforeInstall: "sleep 1",
      afterInstall: "sleep 2",
    });
    // A persistent session (clean: false) so the broker queues every status
    // published while this subscriber is still reconnecting after the outage.
    const received: StatusDocument[] = [];
    subscriber = await mqtt.connectAsync(kit.broker.url, {
      clientId: "outage-watch",
      clean: false,
      protocolVersion: 4,
      reconnectPeriod: 100,
    });
    subscriber.on("message", (_topic, payload) => {
      const doc = decodePayload("status", payload);
      if (doc.ok) received.push(doc.value);
    });
    await subscriber.subscribeAsync(topicFor("status", { store: "1001", workstation: "01" }), {
      qos: 1,
    });

    await kit.agent.start();
    await kit.want("1.0.0");
    await kit.waitService("pos-client", (s) => s.status === "OK" && s.activeVersion === "1.0.0");

    await kit.want("1.1.0");
    await kit.waitService(
      "pos-client",
      (s) => s.status === "In Progress" && s.phase === "installing",
    );
    const lastBeforeOutage = Math.max(...received.map((doc) => doc.seq));
    await kit.broker.pause();
    const outageStart = Date.now();
    // The agent carries on alone: wait until its journal says OK, 20 s in all.
    await expect
      .poll(() => kit?.agent.output.some((line) => line.includes("In Progress -> OK")), {
        timeout: 20_000,
        interval: 200,
      })
      .toBe(true);
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, 20_000 - (Date.now() - outageStart))),
    );
    await kit.broker.resume();

    await expect
      .poll(() => received.at(-1)?.services["pos-client"]?.status, {
        timeout: 60_000,
        interval: 200,
      })
      .toBe("OK");
    const afterOutage = received.filter((doc) => doc.seq > lastBeforeOutage);
    const seqs = afterOutage.map((doc) => doc.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    // QoS 1 is at-least-once: a report whose PUBACK was lost in the outage is
    // sent again, so a seq may repeat, but never go backwards.
    const phases = afterOutage.map((doc) => {
      const service = doc.services["pos-client"];
      return service?.phase ?? service?.status;
    });
    // Reports made during the outage, delivered afterwards, in the order made.
    for (const expected of ["stopping", "installing", "starting", "health-check", "OK"])
      expect(phases).toContain(expected);
    expect(phases.indexOf("starting")).toBeLessThan(phases.indexOf("health-check"));
    expect(phases.at(-1)).toBe("OK");
    expect(afterOutage.at(-1)?.services["pos-client"]?.activeVersion).toBe("1.1.0");
    console.log(
      `outage: ${afterOutage.length} status reports made while the broker was down arrived afterwards, in order`,
    );
  }, 120_000);
});
