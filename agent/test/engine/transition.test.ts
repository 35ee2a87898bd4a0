import { AGENT_TRANSITIONS, STATUSES, type Status } from "@tillroll/protocol";
import { describe, expect, it } from "vitest";
import type { EngineContext } from "../../src/engine/engine-context.js";
import type { ServiceRecord } from "../../src/engine/journal.js";
import { acceptRequest, ILLEGAL_TRANSITION, transition } from "../../src/engine/update-runner.js";
import { newServiceRecord } from "../../src/state/agent-state.js";

function world(status: Status, requestId: string | null = "r1") {
  const lines: string[] = [];
  const ctx = {
    log: (line: string) => lines.push(line),
    clock: { now: () => 0 },
  } as unknown as EngineContext;
  const record: ServiceRecord = {
    ...newServiceRecord("1.0.0", "1970-01-01T00:00:00.000Z"),
    status,
    requestId,
  };
  return { ctx, record, lines };
}

describe("every agent status change is checked against the protocol's table", () => {
  const pairs = STATUSES.flatMap((from) => STATUSES.map((to) => [from, to] as const));
  it.each(pairs)("%s -> %s", (from, to) => {
    const { ctx, record, lines } = world(from);
    transition(ctx, "pos-client", record, to, "test");
    expect(record.status).toBe(to);
    const legal = from === to || AGENT_TRANSITIONS[from].includes(to);
    expect(lines.some((l) => l.includes(ILLEGAL_TRANSITION))).toBe(!legal);
    if (legal && from !== to) expect(lines).toEqual([`pos-client: ${from} -> ${to} (test)`]);
  });

  it.each([
    ["OK", "r2", "Prepared"],
    ["Rolled Back", "r2", "Prepared"],
    ["Failed", "r2", "Prepared"],
    ["OK", "r1", "OK"], // the same request again: nothing new
    ["Prepared", "r2", "Prepared"],
    ["Not Ready", "r2", "Not Ready"],
    ["In Progress", "r2", "In Progress"],
  ] as const)("a request %s, %s: %s first", (from, requestId, expected) => {
    const { ctx, record } = world(from);
    acceptRequest(ctx, "pos-client", record, requestId);
    expect(record.status).toBe(expected);
    // From there, the moves a new request makes are legal.
    for (const next of ["In Progress", "OK"] as const) {
      if (expected === "Prepared") expect(AGENT_TRANSITIONS.Prepared).toContain(next);
    }
  });
});
