import { TOPIC_KINDS, type TopicKind } from "@tillroll/protocol";
import { describe, expect, it } from "vitest";
import {
  describePrincipal,
  mayPublish,
  maySubscribe,
  type Principal,
  validatePrincipal,
} from "../../src/broker/acl.js";

const ROOT = "tillroll/v1";
const agent: Principal = { kind: "agent", store: "1001", workstation: "01" };
const pos: Principal = { kind: "pos", store: "1001", workstation: "01" };
const coordinator: Principal = { kind: "coordinator" };
const PRINCIPALS = [agent, pos, coordinator];

// Written out by hand, not derived from TOPIC_SPECS, so a change to the
// protocol table that widens the ACL fails here.
const EXPECTED: Record<"agent" | "pos", Record<"publish" | "subscribe", TopicKind[]>> = {
  agent: {
    publish: ["status", "presence", "log", "maintenance", "notice"],
    subscribe: ["desired", "session", "pos"],
  },
  pos: { publish: ["session", "pos"], subscribe: ["maintenance", "notice", "presence"] },
};

const TARGETS = [
  { name: "own workstation", store: "1001", workstation: "01", own: true, sameStore: true },
  {
    name: "other workstation, same store",
    store: "1001",
    workstation: "02",
    own: false,
    sameStore: true,
  },
  {
    name: "same workstation id, other store",
    store: "1002",
    workstation: "01",
    own: false,
    sameStore: false,
  },
] as const;

const ACTIONS = { publish: mayPublish, subscribe: maySubscribe } as const;

function expectedFor(
  principal: Principal,
  action: "publish" | "subscribe",
  kind: TopicKind,
  own: boolean,
  sameStore: boolean,
) {
  if (principal.kind === "coordinator") return true;
  // Issue 13: every maintenance topic of the own store may be read (a store server's scope "store").
  if (action === "subscribe" && kind === "maintenance" && sameStore) return true;
  return own && EXPECTED[principal.kind][action].includes(kind);
}

const matrix = PRINCIPALS.flatMap((principal) =>
  (["publish", "subscribe"] as const).flatMap((action) =>
    TOPIC_KINDS.flatMap((kind) =>
      TARGETS.map((target) => ({
        who: describePrincipal(principal),
        principal,
        action,
        kind,
        target: target.name,
        topic: `${ROOT}/ws/${target.store}/${target.workstation}/${kind}`,
        allowed: expectedFor(principal, action, kind, target.own, target.sameStore),
      })),
    ),
  ),
);

describe("ACL: every principal × kind × workstation × action", () => {
  it("covers the whole matrix", () => {
    expect(matrix).toHaveLength(3 * 2 * 8 * 3);
  });

  it.each(matrix)(
    "$who $action $kind on $target → $allowed",
    ({ principal, action, topic, allowed }) => {
      const decision = ACTIONS[action](principal, topic, ROOT);
      expect(decision.allowed).toBe(allowed);
      if (!decision.allowed) {
        expect(decision.reason).toContain(describePrincipal(principal));
        expect(decision.reason).toContain(JSON.stringify(topic));
      }
    },
  );
});

/** Topics and filters that nobody may use, whatever the action. */
const DENIED_FOR_ALL = [
  ["$SYS/#", "$"],
  ["$SYS/broker/clients", "$"],
  ["$share/group/tillroll/v1/ws/1001/01/desired", "$"],
  ["#", "outside the topic root"],
  ["+/v1/ws/1001/01/desired", "outside the topic root"],
  ["tillroll/+/ws/1001/01/desired", "outside the topic root"],
  ["tillroll/v1/#", "#"],
  ["tillroll/v1/ws/#", "#"],
  ["tillroll/v1/ws/1001/01/#", "#"],
  ["tillroll/v1/ws/1001/01/status/x", "5 level(s)"],
  ["tillroll/v1/ws/1001/01/desired/x", "5 level(s)"],
  ["tillroll/v1/ws/1001/01/status/", "5 level(s)"],
  ["tillroll/v1/ws/1001/01", "3 level(s)"],
  ["tillroll/v1/ws/1001/01/", "unknown kind"],
  ["tillroll/v1", "outside the topic root"],
  ["tillroll/v1x/ws/1001/01/status", "outside the topic root"],
  ["other/ws/1001/01/status", "outside the topic root"],
  ["/tillroll/v1/ws/1001/01/status", "outside the topic root"],
  ["tillroll/v1/ws/1001/01/bogus", "unknown kind"],
  ["tillroll/v1/xx/1001/01/status", ""],
  ["tillroll/v1/ws/10 01/01/status", "invalid"],
  ["tillroll/v1/ws/1001/../status", "invalid"],
  ["tillroll/v1/ws/1001/01/status\u0000", "NUL"],
  ["", "empty"],
] as const;

describe("ACL: denied for everyone", () => {
  const cases = PRINCIPALS.flatMap((principal) =>
    (["publish", "subscribe"] as const).flatMap((action) =>
      DENIED_FOR_ALL.map(([topic, why]) => ({
        who: describePrincipal(principal),
        principal,
        action,
        topic,
        why,
      })),
    ),
  );
  it.each(cases)("$who may not $action $topic", ({ principal, action, topic, why }) => {
    const decision = ACTIONS[action](principal, topic, ROOT);
    expect(decision.allowed).toBe(false);
    if (!decision.allowed) {
      expect(decision.reason).toContain(describePrincipal(principal));
      expect(decision.reason).toContain(why);
    }
  });
});

describe("ACL: wildcards", () => {
  const WORKSTATION_TRICKS = [
    "tillroll/v1/ws/+/01/desired",
    "tillroll/v1/ws/1001/+/desired",
    "tillroll/v1/ws/1001/01/+",
    "tillroll/v1/ws/+/+/desired",
    "tillroll/v1/ws/+/+/+",
    "tillroll/v1/+/1001/01/desired",
    "tillroll/v1/ws/+/+/maintenance",
    "tillroll/v1/ws/1001/01/+/",
  ];

  it.each(WORKSTATION_TRICKS)("agent and POS may not subscribe to %s", (filter) => {
    for (const principal of [agent, pos]) {
      const decision = maySubscribe(principal, filter, ROOT);
      expect(decision.allowed).toBe(false);
      if (!decision.allowed) expect(decision.reason).toContain(describePrincipal(principal));
    }
  });

  it.each([
    "tillroll/v1/ws/+/+/status",
    "tillroll/v1/ws/+/+/presence",
    "tillroll/v1/ws/+/+/log",
    "tillroll/v1/ws/1001/+/status",
    "tillroll/v1/ws/+/01/status",
    "tillroll/v1/ws/1001/01/+",
    "tillroll/v1/ws/+/+/+",
    "tillroll/v1/+/1001/01/status",
  ])("the coordinator may subscribe to %s", (filter) => {
    expect(maySubscribe(coordinator, filter, ROOT)).toEqual({ allowed: true });
  });

  it.each([
    ["tillroll/v1/ws/+/+/bogus", "unknown kind"],
    ["tillroll/v1/ws/10+/01/status", "whole topic level"],
    ["tillroll/v1/ws/+/0 1/status", "not a valid workstation id"],
    ["tillroll/v1/ws/+ /+/status", "whole topic level"],
    ["tillroll/v1/ws/+/+/status/+", "5 level(s)"],
    ["tillroll/v1/ws/+/+", "3 level(s)"],
    ["tillroll/v1/wx/+/+/status", '"ws"'],
  ])("the coordinator may not subscribe to %s", (filter, why) => {
    const decision = maySubscribe(coordinator, filter, ROOT);
    expect(decision.allowed).toBe(false);
    if (!decision.allowed) expect(decision.reason).toContain(why);
  });

  it.each(["tillroll/v1/ws/+/01/status", "tillroll/v1/ws/1001/01/#", "tillroll/v1/ws/1001/01/+"])(
    "nobody may publish to the filter %s",
    (topic) => {
      for (const principal of PRINCIPALS) {
        const decision = mayPublish(principal, topic, ROOT);
        expect(decision.allowed).toBe(false);
        if (!decision.allowed) expect(decision.reason).toMatch(/wildcard|#/);
      }
    },
  );

  it("names the exact topics a workstation party may read when it tries a wildcard", () => {
    const decision = maySubscribe(agent, "tillroll/v1/ws/1001/01/+", ROOT);
    expect(decision).toEqual({
      allowed: false,
      reason: expect.stringContaining(
        "tillroll/v1/ws/1001/01/desired, tillroll/v1/ws/1001/01/session",
      ) as unknown as string,
    });
  });
});

describe("ACL: reasons", () => {
  it.each([
    [
      agent,
      "publish",
      "tillroll/v1/ws/1001/02/status",
      "belongs to workstation 1001/02, not 1001/01",
    ],
    [agent, "publish", "tillroll/v1/ws/1001/01/desired", "desired is not for an agent"],
    [pos, "subscribe", "tillroll/v1/ws/1001/01/desired", "desired is not for a POS"],
    [pos, "publish", "tillroll/v1/ws/1001/01/notice", "publishes only session"],
    [agent, "subscribe", "tillroll/v1/ws/1001/01/status", "reads only desired, session"],
  ] as const)("%o %s %s: %s", (principal, action, topic, why) => {
    const decision = ACTIONS[action](principal, topic, ROOT);
    expect(decision.allowed).toBe(false);
    if (!decision.allowed) {
      const verb = action === "publish" ? "publish to" : "subscribe to";
      expect(
        decision.reason.startsWith(
          `${describePrincipal(principal)} may not ${verb} ${JSON.stringify(topic)}: `,
        ),
      ).toBe(true);
      expect(decision.reason).toContain(why);
    }
  });
});

describe("ACL: configurable root", () => {
  const root = "acme/fleet/v2";

  it("applies the rules below the configured root", () => {
    expect(mayPublish(agent, "acme/fleet/v2/ws/1001/01/status", root).allowed).toBe(true);
    expect(maySubscribe(pos, "acme/fleet/v2/ws/1001/01/notice", root).allowed).toBe(true);
    expect(maySubscribe(coordinator, "acme/fleet/v2/ws/+/+/status", root).allowed).toBe(true);
  });

  it("refuses the default root and partial roots", () => {
    for (const topic of [
      "tillroll/v1/ws/1001/01/status",
      "acme/fleet/ws/1001/01/status",
      "acme/fleet/v2/v2/ws/1001/01/status",
    ]) {
      for (const principal of PRINCIPALS) {
        const decision = mayPublish(principal, topic, root);
        expect(decision.allowed).toBe(false);
      }
    }
    expect(maySubscribe(coordinator, "acme/fleet/+/ws/+/+/status", root).allowed).toBe(false);
  });

  it("uses the default root when none is given", () => {
    expect(mayPublish(agent, "tillroll/v1/ws/1001/01/status").allowed).toBe(true);
  });
});

describe("validatePrincipal", () => {
  it("accepts well-formed principals and copies only known fields", () => {
    expect(validatePrincipal({ ...agent, extra: 1 } as Principal)).toEqual({
      ok: true,
      value: agent,
    });
    expect(validatePrincipal(coordinator)).toEqual({ ok: true, value: coordinator });
  });

  it.each([
    { kind: "agent", store: "1001", workstation: "+" },
    { kind: "pos", store: "a/b", workstation: "01" },
    { kind: "agent", store: "", workstation: "01" },
    { kind: "pos", store: "x".repeat(65), workstation: "01" },
    { kind: "admin" },
  ])("refuses %o", (principal) => {
    expect(validatePrincipal(principal as Principal).ok).toBe(false);
  });
});

describe("ACL: the store's maintenance topics (issue 13)", () => {
  const filter = `${ROOT}/ws/1001/+/maintenance`;
  it.each([agent, pos])("$kind 1001/01 may subscribe to its store's filter", (principal) => {
    expect(maySubscribe(principal, filter, ROOT).allowed).toBe(true);
    expect(maySubscribe(principal, `${ROOT}/ws/1001/07/maintenance`, ROOT).allowed).toBe(true);
  });
  it.each([
    [`${ROOT}/ws/1002/+/maintenance`, "another store"],
    [`${ROOT}/ws/+/+/maintenance`, "every store"],
    [`${ROOT}/ws/1001/+/notice`, "another kind"],
    [`${ROOT}/ws/1001/+/session`, "another kind"],
  ])("but not %s (%s)", (topic) => {
    for (const principal of [agent, pos]) {
      expect(maySubscribe(principal, topic, ROOT).allowed).toBe(false);
      expect(mayPublish(principal, topic, ROOT).allowed).toBe(false);
    }
  });
  it("publishing to another till's maintenance stays refused", () => {
    expect(mayPublish(agent, `${ROOT}/ws/1001/02/maintenance`, ROOT).allowed).toBe(false);
  });
});
