import { afterEach, describe, expect, it } from "vitest";
import { startBroker, type TestBroker } from "../support/broker.js";
import { createDesiredPublisher, type DesiredPublisher } from "../support/coordinator-double.js";
import { type StatusWatcher, watchStatus } from "../support/status-watcher.js";
import { type TempDir, tempDir } from "../support/temp.js";
import { AgentProcess } from "./agent-harness.js";
import { killProcessesUnder } from "./agent-kit.js";

/**
 * Found by release-crash-loop.test.ts (issue 10, acceptance 3), whose fleet
 * would not shut down after its coordinator kills: an agent that lived
 * through a connection drop with a report in flight (PUBLISH sent, no PUBACK)
 * must still stop on SIGTERM. Same broker trick as agent-outbox-wedge: the
 * PUBACK of every status is withheld, the connection drops, the broker comes
 * back answering normally; the reports flow again (that fix holds). Then
 * SIGTERM.
 */
describe("agent: SIGTERM after a report was in flight when the broker went away", () => {
  let dir: TempDir | undefined;
  let broker: TestBroker | undefined;
  let coordinator: DesiredPublisher | undefined;
  let watcher: StatusWatcher | undefined;
  let agent: AgentProcess | undefined;
  afterEach(async () => {
    await agent?.kill9().catch(() => undefined);
    if (dir !== undefined) await killProcessesUnder(dir.path);
    await watcher?.close();
    await coordinator?.close();
    await broker?.stop();
    await dir?.cleanup();
  });

  /*
   * BUG (agent): fails today: "SIGTERM: stopping" is logged and the process
   * is still there 30 s later (AgentProcess.stop gives up). Agent.stop
   * (agent/src/engine/agent.ts) awaits link.stop(true), i.e. mqtt.js
   * client.endAsync(false), which waits for the in-flight messages to be
   * acknowledged; the packet whose connection dropped before its PUBACK stays
   * in mqtt.js's outgoing store (clean: false) and is never counted as done,
   * so end() never finishes, the services are never stopped and the agent
   * never exits (systemd would SIGKILL it after its stop timeout, leaving the
   * services running as orphans). f3b0d00 fails AgentLink's own promise for
   * such a publish but not mqtt.js's bookkeeping. A fix might end with force
   * after a bound, or end(true) once the offline presence is acknowledged.
   * Seen end to end: release-crash-loop.test.ts's fleet needed SIGKILL for
   * the agents that had a report cut off by a coordinator kill -9.
   * agent-outbox-wedge.test.ts takes 30 s for the same reason (its afterEach
   * waits for the agent's exit). Unskip once fixed.
   */
  it.skip("the agent exits within 10 s of SIGTERM", async () => {
    dir = await tempDir("stop-after-outage");
    const withheld: unknown[] = [];
    let withholding = true;
    broker = await startBroker({
      authorizePublish: (_client, packet, callback) => {
        if (withholding && packet.topic.endsWith("/status")) withheld.push(callback);
        else callback(null);
      },
    });
    coordinator = await createDesiredPublisher({ brokerUrl: broker.url });
    agent = new AgentProcess({
      dir: dir.path,
      brokerUrl: broker.url,
      coordinatorKey: coordinator.publicKey,
      extraConfig: { reconnectMaxSeconds: 1 },
    });
    watcher = await watchStatus({
      brokerUrl: broker.url,
      store: agent.store,
      workstation: agent.workstation,
    });
    await agent.start();
    await expect.poll(() => withheld.length, { timeout: 15_000, interval: 100 }).toBeGreaterThan(0);
    await broker.pause();
    withholding = false;
    await broker.resume();
    await watcher.waitFor(() => true, 15_000);

    const started = Date.now();
    const exited = await agent
      .stop()
      .then(() => "exited")
      .catch((error: Error) => error.message);
    const ms = Date.now() - started;
    expect(exited, `after ${ms} ms; agent log:\n${agent.log()}`).toBe("exited");
    expect(ms).toBeLessThan(10_000);
  });
});
