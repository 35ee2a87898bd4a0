import { execFile } from "node:child_process";
import { readlink } from "node:fs/promises";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { readMarker } from "../support/packs.js";
import { AGENT_CLI } from "./agent-harness.js";
import { type AgentKit, agentKit } from "./agent-kit.js";

const run = promisify(execFile);

describe("agent: update 1.0.0 -> 1.1.0 (real broker, real agent process, real packs)", () => {
  let kit: AgentKit | undefined;
  afterEach(async () => {
    await kit?.close();
    kit = undefined;
  });

  it("installs 1.0.0, updates to 1.1.0, ends OK with the new release running", async () => {
    kit = await agentKit("update");
    await kit.pack({ name: "pos-client", version: "1.0.0" });
    await kit.pack({ name: "pos-client", version: "1.1.0", updatableFrom: ">=1.0.0 <1.1.0" });
    await kit.agent.start();

    await kit.want("1.0.0");
    await kit.waitService("pos-client", (s) => s.status === "OK" && s.activeVersion === "1.0.0");
    const first = await readMarker(kit.agent.markers, "pos-client");
    expect(first?.version).toBe("1.0.0");

    await kit.want("1.1.0");
    const done = await kit.waitService(
      "pos-client",
      (s) => s.status === "OK" && s.activeVersion === "1.1.0",
    );
    expect(done.services["pos-client"]).toMatchObject({
      preferredVersion: "1.1.0",
      reason: null,
      phase: null,
    });

    const marker = await readMarker(kit.agent.markers, "pos-client");
    expect(marker?.version).toBe("1.1.0");
    // The process that runs is the new release's, started from its folder.
    expect(await readlink(`/proc/${marker?.pid}/cwd`)).toBe(
      `${kit.agent.root}/pos-client/releases/1.1.0`,
    );
    expect(await readlink(`${kit.agent.root}/pos-client/current`)).toBe("releases/1.1.0");
    // The statuses went through In Progress, in seq order.
    const seen = kit.watcher.all.map((doc) => doc.services["pos-client"]?.status);
    expect(seen).toContain("In Progress");

    // The technician's view at the till, read from the journal while the daemon runs.
    const { stdout } = await run(process.execPath, [
      AGENT_CLI,
      "status",
      "--config",
      kit.agent.configPath,
    ]);
    expect(stdout).toMatch(/Workstation 1001\/01/);
    expect(stdout).toMatch(/pos-client\s+1\.1\.0\s+1\.1\.0\s+OK/);
  });

  it("a config with an unknown key stops start-up with a message naming it", async () => {
    kit = await agentKit("badconfig", { extraConfig: { recheckSecs: 5 } });
    await kit.agent.start();
    expect(await kit.agent.waitExit()).toBe(2);
    expect(kit.agent.log()).toMatch(/unknown field "recheckSecs"/);
  });
});
