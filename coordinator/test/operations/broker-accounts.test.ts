import { describe, expect, it } from "vitest";
import { mosquittoAccounts } from "../../src/operations/broker-accounts.js";
import type { WorkstationRecord } from "../../src/state/coordinator-state.js";

const record = (store: string, workstation: string, lines: boolean): WorkstationRecord => ({
  store,
  workstation,
  group: null,
  agentSecretHash: "scrypt",
  posSecretHash: "scrypt",
  enrolledAt: "2026-11-30T00:00:00.000Z",
  ...(lines
    ? {
        mosquittoLines: {
          agent: `agent.${store}.${workstation}:$7$101$a$b`,
          pos: `pos.${store}.${workstation}:$7$101$c$d`,
        },
      }
    : {}),
});

describe("mosquittoAccounts: the answer of GET /api/broker-config/mosquitto", () => {
  it("two accounts per workstation with the kept lines; older records listed, not guessed", () => {
    const answer = mosquittoAccounts(
      {
        "1001/01": record("1001", "01", true),
        "1001/02": record("1001", "02", false),
      },
      { topicRoot: "tillroll/v1", coordinator: null, tls: null },
    );
    expect(answer.accounts).toEqual([
      {
        username: "agent.1001.01",
        principal: { kind: "agent", store: "1001", workstation: "01" },
        passwordLine: "agent.1001.01:$7$101$a$b",
      },
      {
        username: "pos.1001.01",
        principal: { kind: "pos", store: "1001", workstation: "01" },
        passwordLine: "pos.1001.01:$7$101$c$d",
      },
    ]);
    expect(answer.withoutPasswordLine).toEqual(["1001/02"]);
    expect(answer.topicRoot).toBe("tillroll/v1");
    expect(JSON.stringify(answer)).not.toContain("scrypt");
  });
});
