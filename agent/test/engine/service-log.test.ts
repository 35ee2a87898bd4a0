import { describe, expect, it } from "vitest";
import { MAX_SERVICE_LOG_LINES, serviceOutputForwarder } from "../../src/engine/service-log.js";
import type { StateStore } from "../../src/engine/state-store.js";
import { agentStateSchema, emptyAgentState } from "../../src/state/agent-state.js";

type Line = { level: string; source: string; stream: string | null; line: string };

function world(step: string | null) {
  const state = emptyAgentState();
  if (step !== null)
    state.services["pos-client"] = {
      activeVersion: "1.0.0",
      previousVersion: null,
      status: "In Progress",
      reason: null,
      requestId: "r-1",
      preferredVersion: "1.1.0",
      validFrom: null,
      progress: null,
      updatedAt: "2026-11-30T10:00:00.000Z",
      job: {
        requestId: "r-1",
        fromVersion: "1.0.0",
        toVersion: "1.1.0",
        artifact: { url: "http://127.0.0.1/p.tgz", sha256: "a".repeat(64), size: 1 },
        validFrom: null,
        step: step as "start",
        failure: null,
        notReady: null,
        startedAt: "2026-11-30T10:00:00.000Z",
      },
    };
  const lines: Line[] = [];
  const forward = serviceOutputForwarder({ state } as unknown as StateStore, {
    installLog: async (line) => void lines.push(line),
  });
  return { forward, lines };
}

describe("service output in the install log (issue 13)", () => {
  it.each([
    ["start", 1],
    ["verify", 1],
    ["commit", 1],
    ["await-ready", 0],
    ["rollback-verify", 0],
    [null, 0],
  ] as const)("step %s: %i line(s)", (step, count) => {
    const { forward, lines } = world(step);
    forward("pos-client", "listening on 8080", "stdout");
    expect(lines).toHaveLength(count);
    if (count > 0)
      expect(lines[0]).toMatchObject({ level: "info", source: "service", stream: "stdout" });
  });

  it("stderr is a warning; past the bound one line says the rest was not logged", () => {
    const { forward, lines } = world("verify");
    forward("pos-client", "cache cold", "stderr");
    for (let i = 0; i < MAX_SERVICE_LOG_LINES + 10; i++)
      forward("pos-client", `line ${i}`, "stdout");
    expect(lines[0]).toMatchObject({ level: "warn", source: "service", stream: "stderr" });
    expect(lines).toHaveLength(MAX_SERVICE_LOG_LINES + 1);
    expect(lines.at(-1)).toMatchObject({ level: "warn", source: "agent", stream: null });
    expect(lines.at(-1)?.line).toMatch(/more service output not logged/);
  });
});

describe("agent state: the POS presence field", () => {
  it("a journal written before it existed loads (absent = never seen); one with it too", () => {
    const old = emptyAgentState();
    expect(agentStateSchema.parse(old).pos).toBeUndefined();
    const pos = { state: "offline", seq: 9, since: "2026-11-30T10:42:00.000Z" } as const;
    expect(agentStateSchema.parse({ ...old, pos }).pos).toEqual(pos);
  });
});
