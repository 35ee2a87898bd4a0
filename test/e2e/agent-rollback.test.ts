import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readMarker } from "../support/packs.js";
import { type AgentKit, agentKit } from "./agent-kit.js";

describe("agent: health check failures", () => {
  let kit: AgentKit | undefined;
  afterEach(async () => {
    await kit?.close();
    kit = undefined;
  });

  it("unhealthy 1.1.0 -> Rolled Back, 1.0.0 running again and reported", async () => {
    kit = await agentKit("rollback");
    await kit.pack({ name: "pos-client", version: "1.0.0" });
    await kit.pack({
      name: "pos-client",
      version: "1.1.0",
      health: "fail",
      healthTimeoutSeconds: 1,
    });
    await kit.agent.start();
    await kit.want("1.0.0");
    await kit.waitService("pos-client", (s) => s.status === "OK" && s.activeVersion === "1.0.0");

    await kit.want("1.1.0");
    const rolled = await kit.waitService("pos-client", (s) => s.status === "Rolled Back");
    expect(rolled.services["pos-client"]).toMatchObject({
      activeVersion: "1.0.0",
      preferredVersion: "1.1.0",
    });
    expect(rolled.services["pos-client"]?.reason).toMatch(/health check of 1.1.0 failed/);
    const marker = await readMarker(kit.agent.markers, "pos-client");
    expect(marker?.version).toBe("1.0.0");
    expect(() => process.kill(marker?.pid ?? 0, 0)).not.toThrow();
  });

  it("health-check output goes into the install log and the reason (issue 8 item 19)", async () => {
    kit = await agentKit("health-output");
    await kit.pack({ name: "pos-client", version: "1.0.0" });
    await kit.pack({
      name: "pos-client",
      version: "1.1.0",
      health: "fail",
      healthScript: "echo checking port 8080\necho database unreachable >&2\nexit 1",
      healthTimeoutSeconds: 1,
      // Issue 13: the service's own output between start and commit reaches the log topic.
      start: "echo pos-client 1.1.0 starting\necho cache cold >&2\nexec sleep 100000",
    });
    await kit.agent.start();
    await kit.want("1.0.0");
    await kit.waitService("pos-client", (s) => s.status === "OK" && s.activeVersion === "1.0.0");
    await kit.want("1.1.0");
    const rolled = await kit.waitService("pos-client", (s) => s.status === "Rolled Back");
    const reason = rolled.services["pos-client"]?.reason ?? "";
    expect(reason).toMatch(/health check of 1\.1\.0 failed: not healthy after 1 s/);
    expect(reason).toMatch(/output: .*checking port 8080 \| database unreachable$/);
    const log = await readFile(join(kit.agent.state, "logs", "pos-client.log"), "utf8");
    expect(log).toMatch(/\[health:stdout\] checking port 8080/);
    expect(log).toMatch(/\[health:stderr\] database unreachable/);
    expect(log).toMatch(/\[agent\] health check of 1\.1\.0 failed: .*database unreachable/);
    // Issue 13: on the log topic too: the service's lines, and a warning or an error per rollback step.
    // Log lines leave through their own outbox, after the status: wait for the last one.
    await kit.watcher.waitForLog(
      (l) => l.level === "error" && l.line.startsWith("rolled back to 1.0.0"),
      10_000,
    );
    const published = kit.watcher.logs.map((l) => `${l.level} ${l.source} ${l.line}`);
    expect(published).toEqual(
      expect.arrayContaining([
        "info service pos-client 1.1.0 starting",
        "warn service cache cold",
        expect.stringMatching(
          /^warn agent rollback: health check of 1\.1\.0 failed.*; stopping 1\.1\.0$/,
        ),
        "warn agent rollback: switching back to 1.0.0",
        "warn agent rollback: starting 1.0.0 again",
        "warn agent rollback: health-checking 1.0.0",
        expect.stringMatching(
          /^error agent rolled back to 1\.0\.0: health check of 1\.1\.0 failed/,
        ),
      ]),
    );
  });

  it("rollback health check fails too -> Failed", async () => {
    kit = await agentKit("failed");
    // 1.0.1's health endpoint is ours: healthy for the install, sick once the
    // update to 1.1.0 has started, so the rollback cannot bring it back.
    let healthy = true;
    const server = createServer((_req, res) => {
      res.writeHead(healthy ? 200 : 503).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      await kit.pack({
        name: "pos-client",
        version: "1.0.1",
        health: { http: `http://127.0.0.1:${port}/health` },
        healthTimeoutSeconds: 1,
      });
      await kit.pack({
        name: "pos-client",
        version: "1.1.0",
        health: "fail",
        healthTimeoutSeconds: 1,
      });
      await kit.agent.start();
      await kit.want("1.0.1");
      await kit.waitService("pos-client", (s) => s.status === "OK" && s.activeVersion === "1.0.1");
      healthy = false;
      await kit.want("1.1.0");
      const failed = await kit.waitService("pos-client", (s) => s.status === "Failed");
      expect(failed.services["pos-client"]?.activeVersion).toBe("1.0.1");
      expect(failed.services["pos-client"]?.reason).toMatch(
        /health check of 1\.1\.0 failed.*rollback failed: health check of 1\.0\.1 failed/,
      );
    } finally {
      server.close();
    }
  });
});
