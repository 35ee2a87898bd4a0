import { afterEach, describe, expect, it } from "vitest";
import { startBroker, type TestBroker } from "../support/broker.js";
import { createDesiredPublisher, type DesiredPublisher } from "../support/coordinator-double.js";
import { type StatusWatcher, watchStatus } from "../support/status-watcher.js";
import { type TempDir, tempDir } from "../support/temp.js";
import { AgentProcess } from "./agent-harness.js";
import { killProcessesUnder } from "./agent-kit.js";

/**
 * Found by release-crash-loop.test.ts (issue 10, acceptance 3): a broker that
 * goes away while an agent's status report is in flight (PUBLISH sent, no
 * PUBACK yet) must not stop that agent's reports for good. Here the broker
 * withholds the PUBACK of every status (its authorizePublish never answers),
 * drops the connection, and comes back answering normally.
 */
describe("agent: a report in flight when the broker goes away", () => {
  let dir: TempDir | undefined;
  let broker: TestBroker | undefined;
  let coordinator: DesiredPublisher | undefined;
  let watcher: StatusWatcher | undefined;
  let agent: AgentProcess | undefined;
  afterEach(async () => {
    await agent?.stop().catch(() => undefined);
    if (dir !== undefined) await killProcessesUnder(dir.path);
    await watcher?.close();
    await coordinator?.close();
    await broker?.stop();
    await dir?.cleanup();
  });

  /*
   * BUG (agent): fails today (no status ever arrives after the reconnect;
   * the agent log shows it reconnected). agent/src/engine/reporter.ts drain()
   * awaits link.publish() (agent/src/mqtt/agent-link.ts), a QoS 1 publish
   * whose promise never settles once its connection dropped before the
   * PUBACK (mqtt.js runs with clean: false, keeps the packet in its outgoing
   * store and does not call the original callback after a reconnect, much
   * as mqttjs/MQTT.js#360 describes). `flushing` stays pending, so the status
   * sent on every connect and every later report wait behind it forever: the
   * coordinator never hears from the till again (presence still says
   * online). Seen end to end as a release member stuck "In Progress" and then
   * timed out after a coordinator kill -9 (release-crash-loop.test.ts).
   * A fix might reject pending publishes when the link closes (or bound each
   * by a timeout) so the drain returns and the next connect drains again.
   * Unskip once fixed.
   */
  it.skip("reports again after the broker comes back (the withheld report does not wedge the outbox)", async () => {
    dir = await tempDir("outbox-wedge");
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
    await expect
      .poll(() => agent?.output.filter((l) => l.includes("disconnected -> connected")).length, {
        timeout: 15_000,
        interval: 100,
      })
      .toBeGreaterThanOrEqual(2);
    // A status must arrive now: the one sent on the new connect, at least.
    const doc = await watcher
      .waitFor(() => true, 15_000)
      .catch((error: Error) => {
        throw new Error(`${error.message}\n--- agent log\n${agent?.log()}`);
      });
    expect(doc.store).toBe("1001");
  });
});
