import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type AgentKit, agentKit } from "./agent-kit.js";

/**
 * Issue 8 item 8: a pack served 1 byte every 500 ms never trips the idle
 * timeout. The update must still end (Rolled Back, with a reason) once the
 * download deadline has passed, so a till never stays In Progress where the
 * console can neither skip nor retry it.
 */
describe("agent: a trickling download", () => {
  let kit: AgentKit | undefined;
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    server?.close();
    await kit?.close();
    kit = undefined;
  });

  it("ends Rolled Back with a reason within the download deadline", async () => {
    const downloadSeconds = 3;
    kit = await agentKit("trickle", { extraConfig: { timeouts: { downloadSeconds } } });
    const pack = await kit.pack({ name: "pos-client", version: "1.0.0" });
    server = createServer((_req, res) => {
      res.writeHead(200, { "content-length": String(pack.size) });
      const drip = setInterval(() => res.write("x"), 500);
      res.on("close", () => clearInterval(drip));
    });
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    await kit.agent.start();
    const artifact = { ...pack.artifact, url: `http://127.0.0.1:${port}/pos-client-1.0.0.tgz` };
    const requestId = await kit.want("1.0.0", { pack: { artifact } });
    const started = await kit.waitService(
      "pos-client",
      (s) => s.requestId === requestId && s.status === "In Progress",
    );
    const ended = await kit.waitService(
      "pos-client",
      (s) => s.requestId === requestId && s.status === "Rolled Back",
      (downloadSeconds + 10) * 1000,
    );
    expect(ended.services["pos-client"]?.reason).toMatch(
      /^download failed: deadline passed during attempt 1 \(\d+ of \d+ bytes received\)$/,
    );
    const took = Date.parse(ended.ts) - Date.parse(started.ts);
    expect(took).toBeLessThan((downloadSeconds + 2) * 1000);
  });
});
