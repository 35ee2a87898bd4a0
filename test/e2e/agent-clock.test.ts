import { Agent, parseAgentConfig, systemClock } from "@tillroll/agent";
import { afterEach, describe, expect, it } from "vitest";
import { type AgentKit, agentKit } from "./agent-kit.js";

const TEN_MINUTES = 10 * 60 * 1000;

describe("agent: valid-from in coordinator time", () => {
  let kit: AgentKit | undefined;
  let agent: Agent | undefined;
  afterEach(async () => {
    await agent?.stop();
    await kit?.close();
    agent = undefined;
    kit = undefined;
  });

  it.each([
    ["10 minutes slow", -TEN_MINUTES],
    ["10 minutes fast", TEN_MINUTES],
  ])(
    "a till whose clock is %s starts within 1 s of the coordinator's valid-from",
    async (_name, skew) => {
      kit = await agentKit(`clock${skew}`);
      await kit.pack({ name: "pos-client", version: "1.0.0", health: "none" });
      await kit.agent.writeConfig();
      const config = parseAgentConfig(
        {
          store: kit.agent.store,
          workstation: kit.agent.workstation,
          broker: kit.broker.url,
          root: kit.agent.root,
          state: kit.agent.state,
          coordinatorKey: kit.coordinator.publicKey,
        },
        kit.agent.configPath,
      );
      if (!config.ok) throw new Error(config.error);
      // The injected clock is the till's: off by `skew`.
      const log: string[] = [];
      agent = await Agent.start({
        config: config.value,
        clock: { now: () => Date.now() + skew, sleep: systemClock.sleep },
        log: (line) => log.push(line),
      });
      await kit.watcher.waitForPresence((p) => p.state === "online", 10_000);

      const validFrom = Date.now() + 5000;
      const seenAt = new Map<string, number>();
      const before = kit.watcher.all.length;
      await kit.want("1.0.0", { validFrom: new Date(validFrom).toISOString() });
      await kit.waitService(
        "pos-client",
        (s) => {
          if (!seenAt.has(s.status)) seenAt.set(s.status, Date.now());
          return s.status === "OK" && s.activeVersion === "1.0.0";
        },
        20_000,
      );

      const statuses = kit.watcher.all
        .slice(before)
        .map((doc) => doc.services["pos-client"]?.status)
        .filter((status) => status !== undefined);
      // Waiting for valid-from first (the agent's first, empty report may arrive late).
      expect(statuses[0]).toBe("Prepared");
      const started = kit.watcher.all
        .slice(before)
        .find((doc) => doc.services["pos-client"]?.status === "In Progress");
      expect(started, log.join("\n")).toBeDefined();
      const startedAt = seenAt.get("In Progress") ?? Number.NaN;
      console.log(
        `clock ${skew / 60000} min off: In Progress seen ${startedAt - validFrom} ms after valid-from`,
      );
      // Not before valid-from, and within 1 s after it (coordinator = real time here).
      expect(startedAt - validFrom).toBeGreaterThanOrEqual(-50);
      expect(startedAt - validFrom).toBeLessThan(1000);
    },
  );
});
