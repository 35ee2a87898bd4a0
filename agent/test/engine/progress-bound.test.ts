import { describe, expect, it } from "vitest";
import { inProgressBoundSeconds } from "../../src/engine/progress-bound.js";

const defaults = { downloadSeconds: 3600, hookSeconds: 300, stopSeconds: 30 };

describe("the bound on In Progress (issue 8 item 8)", () => {
  const cases = [
    {
      name: "defaults, 30 s health checks, process manager",
      input: {
        timeouts: defaults,
        serviceManager: "process" as const,
        readiness: [],
        newHealthSeconds: 30,
        oldHealthSeconds: 30,
      },
      // 3600 + 2 x (300 + 11) + 2 x (30 + 36) + 2 x (30 + 11)
      want: 4436,
    },
    {
      name: "systemd adds two starts of up to 120 s",
      input: {
        timeouts: defaults,
        serviceManager: "systemd" as const,
        readiness: [],
        newHealthSeconds: 30,
        oldHealthSeconds: 30,
      },
      want: 4436 + 240,
    },
    {
      name: "no health checks",
      input: {
        timeouts: { downloadSeconds: 10, hookSeconds: 5, stopSeconds: 5 },
        serviceManager: "process" as const,
        readiness: [],
        newHealthSeconds: 0,
        oldHealthSeconds: 0,
      },
      want: 10 + 2 * 16 + 2 * 41,
    },
    {
      name: "command readiness probes run to their timeouts",
      input: {
        timeouts: { downloadSeconds: 10, hookSeconds: 5, stopSeconds: 5 },
        serviceManager: "process" as const,
        readiness: [
          { type: "command" as const, run: "/x", timeoutSeconds: 10 },
          { type: "session" as const },
          { type: "lockfile" as const, path: "/l", mode: "exists" as const },
        ],
        newHealthSeconds: 0,
        oldHealthSeconds: 0,
      },
      // Four times: await-ready, the drain before and after the handshake, after beforeInstall.
      want: 10 + 4 * (10 + 11) + 2 * 16 + 2 * 41,
    },
    {
      name: "the drain's acknowledgement grace counts once",
      input: {
        timeouts: { downloadSeconds: 10, hookSeconds: 5, stopSeconds: 5 },
        serviceManager: "process" as const,
        readiness: [],
        posAckGraceSeconds: 3,
        newHealthSeconds: 0,
        oldHealthSeconds: 0,
      },
      want: 10 + 3 + 2 * 16 + 2 * 41,
    },
  ];
  it.each(cases)("$name", ({ input, want }) => {
    expect(inProgressBoundSeconds(input)).toBe(want);
  });
});
