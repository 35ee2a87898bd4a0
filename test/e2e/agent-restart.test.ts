import { readFileSync } from "node:fs";
import { readdir, readFile, readlink, rename, symlink } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readMarker } from "../support/packs.js";
import { type AgentKit, agentKit } from "./agent-kit.js";

/** Pids of the processes whose working directory is inside `root`: the services this till runs. */
async function servicesUnder(root: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const cwd = await readlink(`/proc/${entry}/cwd`).catch(() => "");
    if (cwd.startsWith(`${root}/`)) found.push(Number(entry));
  }
  return found;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = (() => {
    try {
      return readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      return "";
    }
  })();
  return stat === "" || stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
}

/**
 * Issue 13 acceptance 4 (first half): stopping or restarting the agent does
 * not stop the services it supervises; the next agent run adopts them, and
 * only an update stops a service.
 */
describe("agent restart: the services run on", () => {
  let kit: AgentKit | undefined;
  afterEach(async () => {
    await kit?.close();
    kit = undefined;
  });

  it("keeps the service's pid across SIGTERM and SIGKILL of the agent; a later update still stops it; a leftover of another release is ended", async () => {
    kit = await agentKit("agent-restart");
    const k = kit;
    await k.pack({ name: "pos-client", version: "1.0.0", health: "none" });
    await k.pack({ name: "pos-client", version: "1.1.0", health: "none" });
    await k.agent.start();
    await k.want("1.0.0");
    await k.waitService("pos-client", (s) => s.status === "OK" && s.activeVersion === "1.0.0");
    const marker = async () => (await readMarker(k.agent.markers, "pos-client"))?.pid ?? 0;
    const pidFile = async () =>
      Number((await readFile(join(k.agent.state, "run", "pos-client.pid"), "utf8")).split("\n")[0]);
    await expect.poll(marker, { timeout: 5_000 }).toBeGreaterThan(0);
    const pid = await marker();
    expect(await pidFile()).toBe(pid);
    const adoptions = () =>
      k.agent.output.filter((line) => line.includes(`pos-client: adopted service pid ${pid}`))
        .length;

    for (const [how, stop] of [
      ["SIGTERM", () => k.agent.stop()],
      ["SIGKILL", () => k.agent.kill9()],
    ] as const) {
      const seen = adoptions();
      await stop();
      expect(isAlive(pid), `the service died with the agent (${how})`).toBe(true);
      await k.agent.start();
      await expect.poll(adoptions, { timeout: 10_000 }).toBe(seen + 1);
      await k.waitService("pos-client", (s) => s.status === "OK" && s.activeVersion === "1.0.0");
      expect(await pidFile()).toBe(pid);
      expect(await servicesUnder(k.agent.root)).toEqual([pid]);
      expect(await marker(), `the service was started again after ${how}`).toBe(pid);
    }

    // An adopted service is watched: when it dies it is started again.
    process.kill(pid, "SIGKILL");
    await expect.poll(marker, { timeout: 10_000 }).not.toBe(pid);
    const restarted = await marker();
    expect(isAlive(restarted)).toBe(true);
    expect(await pidFile()).toBe(restarted);

    // Only an update stops a service.
    await k.want("1.1.0");
    await k.waitService("pos-client", (s) => s.status === "OK" && s.activeVersion === "1.1.0");
    expect(isAlive(restarted)).toBe(false);
    const updated = await readMarker(k.agent.markers, "pos-client");
    expect(updated?.version).toBe("1.1.0");
    await expect
      .poll(() => servicesUnder(k.agent.root), { timeout: 5_000 })
      .toEqual([updated?.pid]);

    // A leftover of another release is not adopted but ended: here `current`
    // was pointed back at 1.0.0 by hand while no agent ran.
    const newer = updated?.pid ?? 0;
    await k.agent.kill9();
    const link = join(k.agent.root, "pos-client", "current");
    await symlink("releases/1.0.0", `${link}.tmp`);
    await rename(`${link}.tmp`, link);
    await k.agent.start();
    await k.waitService("pos-client", (s) => s.status === "OK" && s.activeVersion === "1.0.0");
    await expect.poll(() => isAlive(newer), { timeout: 10_000 }).toBe(false);
    expect(k.agent.log()).toMatch(
      new RegExp(
        `pos-client: ended service process group ${newer} .*releases/1\\.1\\.0, current is .*releases/1\\.0\\.0`,
      ),
    );
    await expect
      .poll(async () => (await readMarker(k.agent.markers, "pos-client"))?.version)
      .toBe("1.0.0");
    await expect
      .poll(() => servicesUnder(k.agent.root), { timeout: 5_000 })
      .toEqual([(await readMarker(k.agent.markers, "pos-client"))?.pid]);
  });
});
