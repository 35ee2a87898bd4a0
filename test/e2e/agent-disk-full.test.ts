import { mkdir, readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { canMount, mountSmallDisk, type SmallDisk } from "../support/tmpfs.js";
import { pollUntil } from "../support/wait.js";
import { type AgentKit, agentKit } from "./agent-kit.js";

/**
 * Issue 8 item 7: the agent's state folder on a real 1 MiB tmpfs. A desired
 * document that arrives while the disk is full cannot be saved: the agent
 * must neither act on it nor forget it, but say why in its status, retry the
 * save, and carry the request out once there is space again.
 */
describe.skipIf(!canMount)("agent: disk full", () => {
  let kit: AgentKit | undefined;
  let disk: SmallDisk | undefined;
  let health: Server | undefined;
  afterEach(async () => {
    health?.closeAllConnections();
    health?.close();
    health = undefined;
    await kit?.agent.stop().catch(() => undefined);
    await disk?.unmount();
    await kit?.close();
    kit = undefined;
    disk = undefined;
  });

  it("a desired document it cannot save is reported, retried and then carried out", async () => {
    kit = await agentKit("disk-full");
    await mkdir(kit.agent.state, { recursive: true });
    disk = await mountSmallDisk(kit.agent.state, 1024 * 1024);
    await kit.pack({ name: "pos-client", version: "1.0.0" });
    await kit.agent.start();
    await kit.watcher.waitFor(() => true, 10_000);

    await disk.fill();
    const requestId = await kit.want("1.0.0");
    const stuck = await kit.waitService(
      "pos-client",
      (s) => s.requestId === requestId && /cannot save its state/.test(s.reason ?? ""),
      15_000,
    );
    expect(stuck.services["pos-client"]).toMatchObject({
      status: "Prepared",
      preferredVersion: "1.0.0",
      activeVersion: null,
      reason: expect.stringMatching(/cannot save its state \(.*ENOSPC.*\); retrying in \d+ s/),
    });
    // Nothing was acted on while memory was ahead of the disk.
    expect(kit.agent.log()).not.toMatch(/pos-client: .* -> In Progress/);

    await disk.free();
    const done = await kit.waitService(
      "pos-client",
      (s) => s.status === "OK" && s.activeVersion === "1.0.0",
      60_000,
    );
    expect(done.services["pos-client"]?.reason).toBeNull();
    const journal = await readFile(join(kit.agent.state, "agent.json"), "utf8");
    expect(journal).toContain(requestId);
  });

  it("a disk that fills up during an update pauses it, says why, and it ends OK once freed", async () => {
    kit = await agentKit("disk-full-mid-update");
    await mkdir(kit.agent.state, { recursive: true });
    disk = await mountSmallDisk(kit.agent.state, 1024 * 1024);
    // The health check holds the update in "verify" until the test has filled the disk.
    let healthy = false;
    let checked = false;
    health = createServer((_req, res) => {
      checked = true;
      res.writeHead(healthy ? 200 : 503).end();
    });
    await new Promise<void>((resolve) => health?.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(health.address() as AddressInfo).port}/health`;
    await kit.pack({
      name: "pos-client",
      version: "1.0.0",
      health: { http: url },
      healthTimeoutSeconds: 30,
    });
    await kit.agent.start();
    const requestId = await kit.want("1.0.0");
    await pollUntil(() => checked, 20_000, "health check running");
    await disk.fill();
    healthy = true;
    const paused = await kit.waitService(
      "pos-client",
      (s) => s.requestId === requestId && /cannot save its state/.test(s.reason ?? ""),
      15_000,
    );
    expect(paused.services["pos-client"]?.status).toBe("In Progress");
    await disk.free();
    const done = await kit.waitService(
      "pos-client",
      (s) => s.requestId === requestId && s.status !== "In Progress" && s.status !== "Prepared",
      60_000,
    );
    expect(done.services["pos-client"]).toMatchObject({
      status: "OK",
      activeVersion: "1.0.0",
      reason: null,
    });
  });
});
