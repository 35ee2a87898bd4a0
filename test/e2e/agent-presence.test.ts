import { afterEach, describe, expect, it } from "vitest";
import { type AgentKit, agentKit } from "./agent-kit.js";

describe("agent: presence", () => {
  let kit: AgentKit | undefined;
  afterEach(async () => {
    await kit?.close();
    kit = undefined;
  });

  it("the last will of a connection has a higher seq than its online, so a crash shows offline", async () => {
    kit = await agentKit("presence-will");
    await kit.agent.start();
    const online = await kit.watcher.waitForPresence((p) => p.state === "online", 10_000);
    await kit.agent.kill9();
    const will = await kit.watcher.waitForPresence((p) => p.state === "offline", 10_000);
    // A receiver drops a seq not above the last it applied: a lower will would leave the till "online".
    expect(will.seq).toBeGreaterThan(online.seq);
  });
});
