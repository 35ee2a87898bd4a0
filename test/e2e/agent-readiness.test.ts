import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readMarker } from "../support/packs.js";
import { createPos, type Pos } from "../support/pos.js";
import { type AgentKit, agentKit } from "./agent-kit.js";

describe("agent: readiness (Not Ready is a deferral, not a failure)", () => {
  let kit: AgentKit | undefined;
  let pos: Pos | undefined;
  afterEach(async () => {
    await pos?.close();
    await kit?.close();
    kit = undefined;
    pos = undefined;
  });

  async function installed(name: string, readiness: unknown[]): Promise<AgentKit> {
    const created = await agentKit(name, { readiness, recheckSeconds: 0.3 });
    await created.pack({ name: "pos-client", version: "1.0.0" });
    await created.pack({ name: "pos-client", version: "1.1.0" });
    await created.agent.start();
    await created.want("1.0.0");
    await created.waitService(
      "pos-client",
      (s) => s.status === "OK" && s.activeVersion === "1.0.0",
    );
    return created;
  }

  it("lock file present -> Not Ready with the reason; removed -> OK with no operator action", async () => {
    const lock = join("/tmp", `tillroll-pos-${process.pid}-${Date.now()}.lock`);
    kit = await installed("lockfile", [{ type: "lockfile", path: lock }]);
    await writeFile(lock, "busy");
    try {
      await kit.want("1.1.0");
      const notReady = await kit.waitService("pos-client", (s) => s.status === "Not Ready");
      expect(notReady.services["pos-client"]).toMatchObject({
        activeVersion: "1.0.0",
        reason: `lock file ${lock} is present`,
      });
      expect((await readMarker(kit.agent.markers, "pos-client"))?.version).toBe("1.0.0");
    } finally {
      await rm(lock, { force: true });
    }
    await kit.waitService("pos-client", (s) => s.status === "OK" && s.activeVersion === "1.1.0");
    expect((await readMarker(kit.agent.markers, "pos-client"))?.version).toBe("1.1.0");
  });

  it("a cashier logged in (POS session topic) -> Not Ready; logged out -> OK", async () => {
    kit = await installed("session", [{ type: "session" }]);
    pos = await createPos({
      brokerUrl: kit.broker.url,
      store: kit.agent.store,
      workstation: kit.agent.workstation,
    });
    await pos.setSession(["alice"], false);
    await kit.want("1.1.0");
    const notReady = await kit.waitService("pos-client", (s) => s.status === "Not Ready");
    expect(notReady.services["pos-client"]?.reason).toBe("user alice logged in on till 01");

    await pos.setSession([], true);
    await kit.waitService(
      "pos-client",
      (s) => s.status === "Not Ready" && s.reason === "transaction in progress",
    );

    await pos.setSession([], false);
    await kit.waitService("pos-client", (s) => s.status === "OK" && s.activeVersion === "1.1.0");
    // Maintenance mode was switched on for the install and off afterwards.
    const modes = kit.watcher.maintenance.map((doc) => doc.active);
    expect(modes).toContain(true);
    expect(modes.at(-1)).toBe(false);
  });
});
