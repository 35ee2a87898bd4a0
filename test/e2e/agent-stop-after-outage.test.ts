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
   * Before the fix "SIGTERM: stopping" was logged and the process was still
   * there 30 s later: Agent.stop awaits mqtt.js's graceful end, which waits
   * until its outgoing store is empty, and the publish whose connection
   * dropped before its PUBACK stayed there for good (clean: false), so the
   * services were never stopped and the agent never exited (systemd would
   * SIGKILL it, leaving the services as orphans). AgentLink now removes such
   * messages from mqtt.js's store when the connection closes (the agent's
   * outbox sends them again).
   */
  it("the agent exits within 10 s of SIGTERM", async () => {
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
