import { describe, expect, it } from "vitest";
import type { Principal } from "../../src/broker/acl.js";
import {
  ClientIdOwners,
  checkClientId,
  MAX_CLIENT_ID_BYTES,
  principalKey,
} from "../../src/broker/client-ids.js";
import { agentClientId } from "../../src/broker/usernames.js";

const agent: Principal = { kind: "agent", store: "1001", workstation: "01" };
const otherAgent: Principal = { kind: "agent", store: "1001", workstation: "02" };
const pos: Principal = { kind: "pos", store: "1001", workstation: "01" };
const coordinator: Principal = { kind: "coordinator" };

describe("checkClientId", () => {
  const long = "x".repeat(64);
  const longAgent: Principal = { kind: "agent", store: long, workstation: long };

  it.each([
    ["the agent's own id", agent, "agent.1001.01", true, true],
    ["the agent's own id, persistent session", agent, "agent.1001.01", false, true],
    ["the agent's own id in the legacy form", agent, "agent:1001:01", false, true],
    ["another agent's id", otherAgent, "agent.1001.01", false, false],
    ["another agent's legacy id", otherAgent, "agent:1001:01", false, false],
    ["a POS using the agent's id", pos, "agent.1001.01", true, false],
    ["a POS using the agent's legacy id", pos, "agent:1001:01", true, false],
    ["the coordinator using an agent's id", coordinator, "agent.1001.01", true, false],
    ["a POS using its own reserved id", pos, "pos.1001.01", true, true],
    ["a POS using its own legacy id", pos, "pos:1001:01", true, true],
    ["an agent using the POS id", agent, "pos.1001.01", true, false],
    ["an id under the reserved prefix naming no principal", pos, "pos.x", true, false],
    ["a free-form id", pos, "till-1001-01-pos", false, true],
    ["a free-form id for the coordinator", coordinator, "coordinator-1", false, true],
    ["an id merely containing agent:", pos, "my-agent:1001:01", true, true],
    ["an id merely containing agent.", pos, "my-agent.1001.01", true, true],
    ["an empty id with a clean session", pos, "", true, true],
    ["an empty id with a persistent session (MQTT-3.1.3-8)", pos, "", false, false],
    ["a 135-character agent id (over 23)", longAgent, agentClientId(long, long), false, true],
    ["an id of exactly the limit", pos, "p".repeat(MAX_CLIENT_ID_BYTES), true, true],
    ["an id over the limit", pos, "p".repeat(MAX_CLIENT_ID_BYTES + 1), true, false],
    ["multi-byte characters counted in bytes", pos, "ü".repeat(129), true, false],
  ] as const)("%s", (_name, principal, clientId, clean, allowed) => {
    const decision = checkClientId(principal, clientId, clean);
    expect(decision.allowed).toBe(allowed);
    if (!decision.allowed) expect(decision.reason).toContain(JSON.stringify(clientId));
  });

  it("keys principals the way the agent builds its client id", () => {
    expect(principalKey(agent)).toBe(agentClientId("1001", "01"));
    expect(principalKey(agent)).toBe("agent.1001.01");
    expect(principalKey(pos)).toBe("pos.1001.01");
    expect(principalKey(coordinator)).toBe("coordinator");
  });
});

describe("ClientIdOwners", () => {
  it("lets anyone take a free id and only its holder reuse a connected one", () => {
    const owners = new ClientIdOwners();
    const first = {};
    expect(owners.check(pos, "till-7").allowed).toBe(true);
    owners.connect(pos, "till-7", true, first);
    expect(owners.check(pos, "till-7").allowed).toBe(true);
    const refused = owners.check(agent, "till-7");
    expect(refused.allowed).toBe(false);
    if (!refused.allowed) expect(refused.reason).toContain("held by pos.1001.01");
    owners.disconnect("till-7", first, 0);
    expect(owners.check(agent, "till-7").allowed).toBe(true);
    expect(owners.size).toBe(0);
  });

  it("keeps a persistent session owned after its connection ends, until a clean session", () => {
    const owners = new ClientIdOwners();
    const first = {};
    owners.connect(agent, "agent.1001.01", false, first);
    owners.disconnect("agent.1001.01", first, 0);
    expect(owners.check(otherAgent, "agent.1001.01").allowed).toBe(false);
    expect(owners.check(agent, "agent.1001.01").allowed).toBe(true);
    const second = {};
    owners.connect(agent, "agent.1001.01", true, second);
    owners.disconnect("agent.1001.01", second, 0);
    expect(owners.check(otherAgent, "agent.1001.01").allowed).toBe(true);
  });

  it("releases an id only when its current connection ends (takeover by the same principal)", () => {
    const owners = new ClientIdOwners();
    const old = {};
    const fresh = {};
    owners.connect(pos, "till-7", true, old);
    owners.connect(pos, "till-7", true, fresh);
    owners.disconnect("till-7", old, 0);
    expect(owners.check(agent, "till-7").allowed).toBe(false);
    owners.disconnect("till-7", fresh, 0);
    expect(owners.check(agent, "till-7").allowed).toBe(true);
  });

  const limits = { maxSessionsPerPrincipal: 4, sessionExpiryMs: 1_000 };

  it("caps persistent sessions per principal besides its fixed id", () => {
    const owners = new ClientIdOwners(limits);
    for (let i = 0; i < 4; i++) {
      expect(owners.check(pos, `pos-session-${i}`, false).allowed).toBe(true);
      owners.connect(pos, `pos-session-${i}`, false, {});
    }
    const fifth = owners.check(pos, "pos-session-4", false);
    expect(fifth.allowed).toBe(false);
    if (!fifth.allowed) expect(fifth.reason).toContain("already holds 4");
    // Its own sessions, its fixed ids (both forms), clean sessions and other principals still work.
    expect(owners.check(pos, "pos-session-0", false).allowed).toBe(true);
    expect(owners.check(pos, "pos.1001.01", false).allowed).toBe(true);
    expect(owners.check(pos, "pos:1001:01", false).allowed).toBe(true);
    expect(owners.check(pos, "pos-session-4", true).allowed).toBe(true);
    expect(owners.check(agent, "agent-session-0", false).allowed).toBe(true);
    // A clean session under one of its ids frees a place (MQTT 3.1.1 §3.1.2.4).
    owners.connect(pos, "pos-session-0", true, {});
    expect(owners.check(pos, "pos-session-4", false).allowed).toBe(true);
  });

  it("does not let a connected clean id turn persistent past the cap", () => {
    const owners = new ClientIdOwners(limits);
    for (let i = 0; i < 4; i++) owners.connect(pos, `p-${i}`, false, {});
    owners.connect(pos, "p-clean", true, {});
    expect(owners.check(pos, "p-clean", false).allowed).toBe(false);
  });

  it("expires persistent sessions abandoned for the expiry, never connected ones", () => {
    const owners = new ClientIdOwners(limits);
    const gone = {};
    const here = {};
    owners.connect(pos, "gone", false, gone);
    owners.connect(pos, "here", false, here);
    owners.disconnect("gone", gone, 10_000);
    expect(owners.expire(10_999)).toEqual([]);
    expect(owners.expire(11_000)).toEqual(["gone"]);
    expect(owners.sessionCount).toBe(1);
    expect(owners.expire(99_000)).toEqual([]);
    // Expired: another principal may take the id again.
    expect(owners.check(agent, "gone", false).allowed).toBe(true);
  });

  it("restarts the expiry when the client comes back", () => {
    const owners = new ClientIdOwners(limits);
    const first = {};
    const second = {};
    owners.connect(pos, "back", false, first);
    owners.disconnect("back", first, 0);
    owners.connect(pos, "back", false, second);
    expect(owners.expire(5_000)).toEqual([]);
    owners.disconnect("back", second, 5_000);
    expect(owners.expire(6_000)).toEqual(["back"]);
  });
});
