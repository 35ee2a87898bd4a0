import { describe, expect, it } from "vitest";
import { mqttClientOptions } from "../../src/mqtt/agent-link.js";

const base = {
  clientId: "tillroll-agent-1001-01",
  willFor: () => ({ topic: "tillroll/1001/01/presence", payload: '{"online":false}' }),
};

describe("mqttClientOptions", () => {
  it("keeps mqtt-packet's 65,536-Buffer number cache off (8 MB resident on an idle agent)", () => {
    expect(mqttClientOptions(base).writeCache).toBe(false);
  });

  it("keeps the session, reconnects itself and arms the will it is given", () => {
    const options = mqttClientOptions(base);
    expect(options).toMatchObject({
      clientId: "tillroll-agent-1001-01",
      clean: false,
      protocolVersion: 4,
      reconnectPeriod: 0,
      resubscribe: false,
      will: { topic: "tillroll/1001/01/presence", qos: 1, retain: true },
    });
    expect(options.will?.payload.toString()).toBe('{"online":false}');
  });

  it("passes credentials and a CA only when the config has them", () => {
    const bare = mqttClientOptions(base);
    expect("username" in bare || "password" in bare || "ca" in bare).toBe(false);
    const ca = Buffer.from("PEM");
    expect(mqttClientOptions({ ...base, username: "u", password: "p", ca })).toMatchObject({
      username: "u",
      password: "p",
      ca,
    });
  });
});
