import { afterEach, describe, expect, it } from "vitest";
import { startBroker, type TestBroker } from "../support/broker.js";
import { createDesiredPublisher, type DesiredPublisher } from "../support/coordinator-double.js";
import { type StatusWatcher, watchStatus } from "../support/status-watcher.js";
import { type TempDir, tempDir } from "../support/temp.js";
import { AgentProcess } from "./agent-harness.js";
import { killProcessesUnder } from "./agent-kit.js";

/**
 * Found by release-crash-loop.test.ts (issue 10, acceptance 3): a broker
 * that goes away while an agent's status report is in flight (PUBLISH sent,
 * no PUBACK yet). Here the broker withholds the PUBACK of every status (its
 * authorizePublish never answers), drops the connection, and comes back
 * answering normally.
 *
 * Before the fixes in AgentLink (agent/src/mqtt/agent-link.ts): the outbox's
 * drain awaited a publish whose promise never settled (mqtt.js, clean: false,
 * keeps the packet but does not call its callback after a reconnect), so no
 * status ever arrived again; and SIGTERM never ended the agent, because
 * mqtt.js's graceful end waited for its outgoing store to empty (its services
 * were never stopped; systemd would SIGKILL it and leave them as orphans).
 * Now the connection's close fails those publishes and removes them from
 * mqtt.js's store; the agent's outbox sends them again.
 */
describe("agent: a report in flight when the broker goes away", () => {
  let dir: TempDir | undefined;
  let broker: TestBroker | undefined;
  let coordinator: DesiredPublisher | undefined;
  let watcher: StatusWatcher | undefined;
  let agent: AgentProcess | undefined;
  afterEach(async () => {
    await agent?.kill9().catch(() => undefined);
    // The agent's services outlive it: end them (pid files), and anything else under the folder.
    await agent?.killServices();
    if (dir !== undefined) await killProcessesUnder(dir.path);
    await watcher?.close();
    await coordinator?.close();
    await broker?.stop();
    await dir?.cleanup();
    agent = undefined;
  });

  /** An agent whose first report went unacknowledged, then a broker drop and return. */
  async function throughTheDrop(
    name: string,
  ): Promise<{ agent: AgentProcess; watcher: StatusWatcher }> {
    dir = await tempDir(name);
    const withheld: unknown[] = [];
    let withholding = true;
    broker = await startBroker({
      authorizePublish: (_client, packet, callback) => {
        // Never answered while withholding: no PUBACK for the agent's status.
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
    // The status every connect sends is in flight, unacknowledged.
    await expect.poll(() => withheld.length, { timeout: 15_000, interval: 100 }).toBeGreaterThan(0);
    expect(watcher.all).toEqual([]);
    await broker.pause();
    withholding = false;
    await broker.resume();
    return { agent, watcher };
  }

  it("reports again after the broker comes back (the withheld report does not wedge the outbox)", async () => {
    const { agent, watcher } = await throughTheDrop("outbox-wedge");
    await expect
      .poll(() => agent.output.filter((l) => l.includes("disconnected -> connected")).length, {
        timeout: 15_000,
        interval: 100,
      })
      .toBeGreaterThanOrEqual(2);
    // A status must arrive now: the one sent on the new connect, at least.
    const doc = await watcher
      .waitFor(() => true, 15_000)
      .catch((error: Error) => {
        throw new Error(`${error.message}\n--- agent log\n${agent.log()}`);
      });
    expect(doc.store).toBe("1001");
  });

  it("exits within 10 s of SIGTERM afterwards", async () => {
    const { agent, watcher } = await throughTheDrop("stop-after-outage");
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
