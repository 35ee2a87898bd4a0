import { readdir, readFile, readlink, rm } from "node:fs/promises";
import { Agent, parseAgentConfig, systemClock } from "@tillroll/agent";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CoordinatorKit, row } from "./coordinator-kit.js";

const HOUR = 60 * 60 * 1000;

/** Working directories of the processes running inside `root`: the services of this till. */
async function serviceDirsUnder(root: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const cwd = await readlink(`/proc/${entry}/cwd`).catch(() => "");
    if (cwd.startsWith(`${root}/`)) found.push(cwd);
  }
  return found;
}

/**
 * Issue 8 item 9: a till that lost its state folder (a replaced disk, a
 * technician's clean-up) starts numbering its documents again. The
 * coordinator must take its reports and presence, not drop them forever as
 * stale (shown offline while it runs) — also when the till's clock is behind.
 */
describe("agent: a till that lost its state is heard again", () => {
  let kit: CoordinatorKit;
  let inProcess: Agent | undefined;
  beforeAll(async () => {
    kit = await CoordinatorKit.create("state-loss");
    for (const version of ["1.0.0", "1.1.0", "1.2.0"])
      await kit.publish({ name: "pos-client", version, health: "none" });
  });
  afterAll(async () => {
    await inProcess?.stop().catch(() => undefined);
    await kit.close();
  });

  const setPreferred = (version: string) =>
    kit.coordinator.console(
      "set-preferred",
      "--function",
      "pos-client",
      "--version",
      version,
      "--store",
      "1001",
    );

  it("state folder wiped, agent restarted: the coordinator shows its new status and online", async () => {
    const agent = await kit.enrolAndStart("1001/01", "DE/North", []);
    await kit.install("1.0.0", "--store", "1001");
    await agent.stop();
    await kit.until("offline", (rows) => row(rows, "1001/01")?.online === false);

    await rm(agent.state, { recursive: true, force: true });
    await agent.start();
    await kit.until("online again", (rows) => row(rows, "1001/01")?.online === true);
    await setPreferred("1.1.0");
    const rows = await kit.until(
      "1.1.0 reported",
      (rs) => row(rs, "1001/01")?.status === "OK" && row(rs, "1001/01")?.activeVersion === "1.1.0",
    );
    expect(row(rows, "1001/01")?.online).toBe(true);
    // The 1.0.0 service ran on through the stop while its pid file was wiped
    // with the state: the restarted agent ended it, so one copy runs, the new one.
    await expect
      .poll(() => serviceDirsUnder(agent.root), { timeout: 5_000 })
      .toEqual([`${agent.root}/pos-client/releases/1.1.0`]);
  });

  it("also when the till's clock is an hour behind", async () => {
    const agent = kit.agents.get("1001/01");
    if (agent === undefined) throw new Error("no agent");
    await agent.stop();
    await kit.until("offline", (rows) => row(rows, "1001/01")?.online === false);
    await rm(agent.state, { recursive: true, force: true });
    const config = parseAgentConfig(
      JSON.parse(await readFile(agent.configPath, "utf8")),
      agent.configPath,
    );
    if (!config.ok) throw new Error(config.error);
    inProcess = await Agent.start({
      config: config.value,
      clock: { now: () => Date.now() - HOUR, sleep: systemClock.sleep },
      log: () => undefined,
    });
    await kit.until("online again", (rows) => row(rows, "1001/01")?.online === true);
    await setPreferred("1.2.0");
    await kit.until(
      "1.2.0 reported",
      (rs) => row(rs, "1001/01")?.status === "OK" && row(rs, "1001/01")?.activeVersion === "1.2.0",
    );
    expect(kit.coordinator.output.join("\n")).toMatch(/restarted without its state/);
  });
});
