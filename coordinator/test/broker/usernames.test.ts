import { describe, expect, it } from "vitest";
import {
  agentClientId,
  agentUsername,
  parseWorkstationUsername,
  posUsername,
} from "../../src/broker/usernames.js";

describe("broker usernames", () => {
  it("builds agent.{store}.{ws} and pos.{store}.{ws}; the agent's client id is its username", () => {
    expect(agentUsername("1001", "01")).toBe("agent.1001.01");
    expect(posUsername("1001", "01")).toBe("pos.1001.01");
    expect(agentClientId("1001", "01")).toBe("agent.1001.01");
  });

  it.each([
    ["agent.1001.01", { kind: "agent", store: "1001", workstation: "01" }],
    ["pos.1001.01", { kind: "pos", store: "1001", workstation: "01" }],
    ["agent.S-1_a.w_2-b", { kind: "agent", store: "S-1_a", workstation: "w_2-b" }],
    // Configs issued before the `.` form (documented in the README).
    ["agent:1001:01", { kind: "agent", store: "1001", workstation: "01" }],
    ["pos:1001:01", { kind: "pos", store: "1001", workstation: "01" }],
    ["agent.1001", null],
    ["agent.1001.01.x", null],
    ["agent.1001:01", null],
    ["coordinator.1001.01", null],
    ["Agent.1001.01", null],
    ["agent..01", null],
    ["agent.10 01.01", null],
    [`agent.${"x".repeat(65)}.01`, null],
    ["", null],
    ["tillroll-coordinator", null],
  ])("%j names %j", (username, expected) => {
    expect(parseWorkstationUsername(username)).toEqual(expected);
  });

  it("round-trips every name it builds", () => {
    const pairs: [string, string][] = [
      ["1001", "01"],
      ["A_b-9", "z"],
      ["x".repeat(64), "y".repeat(64)],
    ];
    for (const [store, ws] of pairs) {
      expect(parseWorkstationUsername(agentUsername(store, ws))).toEqual({
        kind: "agent",
        store,
        workstation: ws,
      });
      expect(parseWorkstationUsername(posUsername(store, ws))).toEqual({
        kind: "pos",
        store,
        workstation: ws,
      });
    }
  });
});
