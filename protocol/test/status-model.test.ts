import { describe, expect, it } from "vitest";
import {
  ACTION_KINDS,
  type ActionKind,
  AGENT_TRANSITIONS,
  allowedActions,
  applyAction,
  isAgentTransition,
  type OperatorAction,
  STATUSES,
  type Status,
} from "../src/index.js";

const actions: Record<ActionKind, OperatorAction> = {
  "set-preferred": { kind: "set-preferred", version: "2.0.0" },
  skip: { kind: "skip" },
  retry: { kind: "retry" },
};

type Expected = { to: Status; preferred: string | null; newRequest: boolean } | { refused: RegExp };

// Every status x action pair; the service's preferred version before the action is 1.1.0.
const table: Record<Status, Record<ActionKind, Expected>> = {
  OK: {
    "set-preferred": { to: "Prepared", preferred: "2.0.0", newRequest: true },
    skip: { to: "OK", preferred: null, newRequest: false },
    retry: { refused: /nothing to retry/ },
  },
  Prepared: {
    "set-preferred": { to: "Prepared", preferred: "2.0.0", newRequest: true },
    skip: { to: "OK", preferred: null, newRequest: false },
    retry: { refused: /has not started/ },
  },
  "In Progress": {
    "set-preferred": { refused: /In Progress/ },
    skip: { refused: /In Progress/ },
    retry: { refused: /In Progress/ },
  },
  "Not Ready": {
    "set-preferred": { to: "Prepared", preferred: "2.0.0", newRequest: true },
    skip: { to: "OK", preferred: null, newRequest: false },
    retry: { to: "Prepared", preferred: "1.1.0", newRequest: true },
  },
  "Rolled Back": {
    "set-preferred": { to: "Prepared", preferred: "2.0.0", newRequest: true },
    skip: { to: "OK", preferred: null, newRequest: false },
    retry: { to: "Prepared", preferred: "1.1.0", newRequest: true },
  },
  Failed: {
    "set-preferred": { to: "Prepared", preferred: "2.0.0", newRequest: true },
    skip: { to: "Failed", preferred: null, newRequest: false },
    retry: { to: "Prepared", preferred: "1.1.0", newRequest: true },
  },
};

const pairs = STATUSES.flatMap((status) => ACTION_KINDS.map((action) => ({ status, action })));

describe("status model", () => {
  it("the table covers all six statuses and three actions", () => {
    expect(pairs).toHaveLength(18);
    expect(Object.keys(table).sort()).toEqual([...STATUSES].sort());
  });

  it.each(pairs)("$status + $action", ({ status, action }) => {
    const outcome = applyAction({ status, preferredVersion: "1.1.0" }, actions[action]);
    const expected = table[status][action];
    if ("refused" in expected) {
      expect(outcome.allowed).toBe(false);
      if (!outcome.allowed) expect(outcome.reason).toMatch(expected.refused);
    } else {
      expect(outcome).toEqual({
        allowed: true,
        status: expected.to,
        preferredVersion: expected.preferred,
        newRequest: expected.newRequest,
      });
    }
  });

  it.each(STATUSES)("allowedActions(%s) matches the table", (status) => {
    const expected = ACTION_KINDS.filter((action) => !("refused" in table[status][action]));
    expect(allowedActions({ status, preferredVersion: "1.1.0" })).toEqual(expected);
  });

  it.each(["Failed", "Rolled Back", "Not Ready"] as const)(
    "retry on %s without a preferred version is refused with the reason",
    (status) => {
      const outcome = applyAction({ status, preferredVersion: null }, { kind: "retry" });
      expect(outcome).toMatchObject({
        allowed: false,
        reason: expect.stringMatching(/no preferred version/),
      });
    },
  );

  const transitions = STATUSES.flatMap((from) => STATUSES.map((to) => ({ from, to })));
  it.each(transitions)("agent transition $from -> $to", ({ from, to }) => {
    expect(isAgentTransition(from, to)).toBe(from === to || AGENT_TRANSITIONS[from].includes(to));
  });

  it("an update can only end through In Progress", () => {
    for (const from of STATUSES) {
      for (const end of ["Rolled Back", "Failed"] as const) {
        if (from !== "In Progress" && from !== end)
          expect(isAgentTransition(from, end)).toBe(false);
      }
    }
  });
});
