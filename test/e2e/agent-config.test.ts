import { generateSigningKeyPair } from "@tillroll/protocol";
import { afterEach, describe, expect, it } from "vitest";
import { createDesiredPublisher } from "../support/coordinator-double.js";
import { pollUntil } from "../support/wait.js";
import { type AgentKit, agentKit } from "./agent-kit.js";

describe("agent: config", () => {
  let kit: AgentKit | undefined;
  afterEach(async () => {
    await kit?.close();
    kit = undefined;
  });

  async function startedLog(k: AgentKit): Promise<string> {
    await k.agent.start();
    return pollUntil(
      () => (k.agent.log().includes("running (broker") ? k.agent.log() : false),
      10_000,
      "agent running",
    );
  }

  const secrets = { username: "agent.1001.01", password: "secret" };

  it("warns in one line when the config holding the password is readable by others (issue 8 item 12)", async () => {
    kit = await agentKit("config-mode-open", { extraConfig: secrets, configMode: 0o644 });
    await startedLog(kit);
    const path = kit.agent.configPath;
    expect(kit.agent.output.filter((line) => line.includes("warning"))).toEqual([
      `tillroll-agent: warning: config ${path} holds the broker password but is open to group and others (mode 0644); run: chmod 600 ${path}`,
    ]);
  });

  it("says nothing when only the owner may read it", async () => {
    kit = await agentKit("config-mode-closed", { extraConfig: secrets, configMode: 0o600 });
    expect(await startedLog(kit)).not.toMatch(/warning/);
  });

  it("accepts desired documents signed by any pinned key (issue 8 item 6)", async () => {
    const nextKey = generateSigningKeyPair();
    // The till pins the coordinator's current key and the one it rotates to.
    kit = await agentKit("key-rotation", { extraConfig: { coordinatorKeys: [nextKey.publicKey] } });
    const rotated = await createDesiredPublisher({ brokerUrl: kit.broker.url, keyPair: nextKey });
    try {
      const ws = { store: kit.agent.store, workstation: kit.agent.workstation };
      const pack = await kit.pack({ name: "pos-client", version: "1.0.0" });
      await kit.agent.start();
      await kit.want("1.0.0", { requestId: "old-key" });
      await kit.waitService("pos-client", (s) => s.status === "OK" && s.requestId === "old-key");
      await rotated.publishDesired(ws, {
        "pos-client": { preferredVersion: "1.0.0", requestId: "new-key", artifact: pack.artifact },
      });
      await kit.waitService("pos-client", (s) => s.requestId === "new-key" && s.status === "OK");
      // A key the till does not pin is still refused.
      const stranger = await createDesiredPublisher({ brokerUrl: kit.broker.url });
      await stranger.publishDesired(ws, { "pos-client": { preferredVersion: null } });
      await stranger.close();
      await pollUntil(
        () => kit?.agent.log().match(new RegExp(`desired document ignored: .*${stranger.keyId}`)),
        10_000,
        "stranger's document refused",
      );
    } finally {
      await rotated.close();
    }
  });
});
