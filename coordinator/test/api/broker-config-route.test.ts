// GET /api/broker-config/mosquitto against a real coordinator: the Mosquitto password lines
// kept at enrolment check the secrets the enrolment handed out, and a rekey replaces them
// (else an external Mosquitto would go on admitting a replaced till's old secret).

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  parseMosquittoPasswordLine,
  verifyMosquittoPassword,
} from "../../src/broker-config/mosquitto-password.js";
import type { MosquittoAccountsAnswer } from "../../src/operations/broker-accounts.js";
import type { EnrolResult } from "../../src/operations/console-operations.js";
import { LiveCoordinator } from "./live-coordinator.js";

let live: LiveCoordinator;
beforeAll(async () => {
  live = await LiveCoordinator.start("broker-config-route");
}, 30_000);
afterAll(async () => {
  await live?.close();
});

async function accounts(): Promise<MosquittoAccountsAnswer> {
  const answer = await live.call("GET", "/api/broker-config/mosquitto");
  expect(answer.status).toBe(200);
  return answer.body as MosquittoAccountsAnswer;
}

function checks(answer: MosquittoAccountsAnswer, username: string, password: string): boolean {
  const account = answer.accounts.find((a) => a.username === username);
  if (account === undefined) throw new Error(`no account ${username}`);
  const line = parseMosquittoPasswordLine(account.passwordLine);
  if (!line.ok) throw new Error(line.error);
  return verifyMosquittoPassword(line.value.hash, password);
}

describe("GET /api/broker-config/mosquitto", () => {
  it("hands out the Mosquitto lines of the enrolled secrets; no TLS, embedded broker", async () => {
    const enrolled = (
      await live.call("POST", "/api/workstations", {
        store: "7001",
        workstation: "01",
      })
    ).body as EnrolResult;
    const answer = await accounts();
    expect(answer.tls).toBeNull();
    expect(answer.coordinator).toBeNull();
    expect(answer.withoutPasswordLine).toEqual([]);
    expect(checks(answer, enrolled.username, enrolled.password)).toBe(true);
    expect(checks(answer, enrolled.posUsername, enrolled.posPassword)).toBe(true);
    expect(enrolled.caPem).toBeUndefined();
    expect(enrolled.agentConfig.ca).toBeUndefined();
  });

  it("a rekey replaces the lines: the new secrets check, the old ones no longer", async () => {
    const old = (
      await live.call("POST", "/api/workstations", {
        store: "7002",
        workstation: "01",
      })
    ).body as EnrolResult;
    const rekeyed = await live.call("POST", "/api/workstations/rekey", {
      store: "7002",
      workstation: "01",
    });
    expect(rekeyed.status).toBe(200);
    const fresh = rekeyed.body as EnrolResult;
    const answer = await accounts();
    expect(checks(answer, fresh.username, fresh.password)).toBe(true);
    expect(checks(answer, fresh.posUsername, fresh.posPassword)).toBe(true);
    expect(checks(answer, old.username, old.password)).toBe(false);
    expect(checks(answer, old.posUsername, old.posPassword)).toBe(false);
  });
});
