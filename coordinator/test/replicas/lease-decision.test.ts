import { describe, expect, it } from "vitest";
import {
  decideLease,
  describeChange,
  type LeaseObservation,
  type LeaseRole,
  probeFor,
} from "../../src/replicas/lease-decision.js";

const lost: LeaseObservation = { kind: "lost", reason: "Connection terminated unexpectedly" };

describe("decideLease", () => {
  it.each<[LeaseRole, LeaseObservation, LeaseRole, string | null, boolean]>([
    // role, observation -> role, logged change, drop the connection
    [
      "follower",
      { kind: "acquired" },
      "leader",
      "follower -> leader (advisory lock acquired)",
      false,
    ],
    ["follower", { kind: "busy" }, "follower", null, false],
    ["follower", { kind: "alive" }, "follower", null, false],
    ["follower", lost, "follower", null, true],
    ["follower", { kind: "closing" }, "follower", null, true],
    ["leader", { kind: "alive" }, "leader", null, false],
    ["leader", { kind: "acquired" }, "leader", null, false],
    [
      "leader",
      { kind: "busy" },
      "follower",
      "leader -> follower (advisory lock held by another session)",
      true,
    ],
    [
      "leader",
      lost,
      "follower",
      "leader -> follower (lock connection lost: Connection terminated unexpectedly)",
      true,
    ],
    ["leader", { kind: "closing" }, "follower", "leader -> follower (lease closed)", true],
  ])("%s + %o -> %s", (role, observation, next, logged, drop) => {
    const step = decideLease(role, observation);
    expect(step.role).toBe(next);
    expect(step.change === null ? null : describeChange(step.change)).toBe(
      logged === null ? null : `leader lease: ${logged}`,
    );
    expect(step.dropConnection).toBe(drop);
  });

  it("a follower tries for the lock, a leader only checks its session", () => {
    expect(probeFor("follower")).toBe("try-lock");
    expect(probeFor("leader")).toBe("heartbeat");
  });
});
