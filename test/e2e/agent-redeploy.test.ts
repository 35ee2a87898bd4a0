import { readdir, readlink } from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import { readMarker } from "../support/packs.js";
import { type AgentKit, agentKit } from "./agent-kit.js";

/**
 * Redeploy (issue 11): `redeploy: true` with a new request id reinstalls the
 * active version into a new release folder (`<version>~<requestId>`), so the
 * running folder is untouched until the switch and a rollback has it to go
 * back to. Real broker, real agent process, real packs and files.
 */
describe("agent: redeploy of the active version", () => {
  let kit: AgentKit | undefined;
  afterEach(async () => {
    await kit?.close();
    kit = undefined;
  });

  const fn = "pos-client";
  const releases = async (k: AgentKit) => (await readdir(`${k.agent.root}/${fn}/releases`)).sort();
  const current = (k: AgentKit) => readlink(`${k.agent.root}/${fn}/current`);

  async function installed(name: string): Promise<AgentKit> {
    const k = await agentKit(name);
    await k.pack({ name: fn, version: "1.1.0" });
    await k.agent.start();
    await k.want("1.1.0", { requestId: "first" });
    await k.waitService(fn, (s) => s.status === "OK" && s.activeVersion === "1.1.0");
    return k;
  }

  it("reinstalls into a new folder, restarts the service, reports OK; the same request again is one request", async () => {
    kit = await installed("redeploy");
    const before = await readMarker(kit.agent.markers, fn);
    expect(await current(kit)).toBe("releases/1.1.0");

    const seenBefore = kit.watcher.all.length;
    await kit.want("1.1.0", { requestId: "again2", redeploy: true });
    await kit.waitService(fn, (s) => s.status === "OK" && s.requestId === "again2");
    const statuses = kit.watcher.all.slice(seenBefore).map((d) => d.services[fn]?.status);
    expect(statuses).toContain("In Progress");

    expect(await current(kit)).toBe("releases/1.1.0~again2");
    // The old folder is kept as the one to roll back to.
    expect(await releases(kit)).toEqual(["1.1.0", "1.1.0~again2"]);
    const after = await readMarker(kit.agent.markers, fn);
    expect(after?.version).toBe("1.1.0");
    expect(after?.pid).not.toBe(before?.pid); // restarted
    expect(await readlink(`/proc/${after?.pid}/cwd`)).toBe(
      `${kit.agent.root}/${fn}/releases/1.1.0~again2`,
    );
    expect(kit.agent.log()).toMatch(/In Progress \(redeploy request\)/);

    // The same request id once more (a duplicate delivery): nothing happens.
    const seenDuplicate = kit.watcher.all.length;
    await kit.want("1.1.0", { requestId: "again2", redeploy: true });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const later = kit.watcher.all.slice(seenDuplicate).map((d) => d.services[fn]?.status);
    expect(later.filter((status) => status !== "OK")).toEqual([]);
    expect((await readMarker(kit.agent.markers, fn))?.pid).toBe(after?.pid);

    // A third install: the oldest folder is pruned, current and previous stay.
    await kit.want("1.1.0", { requestId: "again3", redeploy: true });
    await kit.waitService(fn, (s) => s.status === "OK" && s.requestId === "again3");
    expect(await releases(kit)).toEqual(["1.1.0~again2", "1.1.0~again3"]);
    expect(await current(kit)).toBe("releases/1.1.0~again3");

    // Without redeploy, the active version is answered OK at once.
    await kit.want("1.1.0", { requestId: "plain4" });
    await kit.waitService(fn, (s) => s.status === "OK" && s.requestId === "plain4");
    expect(await current(kit)).toBe("releases/1.1.0~again3");
  });

  it("a reinstall whose health check fails rolls back to the folder that ran before", async () => {
    kit = await installed("redeploy-rollback");
    // Same version, a pack whose health check fails (the kit serves the latest one built).
    await kit.pack({ name: fn, version: "1.1.0", health: "fail", healthTimeoutSeconds: 0.6 });
    await kit.want("1.1.0", { requestId: "bad2", redeploy: true });
    const end = await kit.waitService(fn, (s) => s.status === "Rolled Back");
    expect(end.services[fn]?.activeVersion).toBe("1.1.0");
    expect(await current(kit)).toBe("releases/1.1.0");
    expect(await releases(kit)).toEqual(["1.1.0"]);
    const marker = await readMarker(kit.agent.markers, fn);
    expect(await readlink(`/proc/${marker?.pid}/cwd`)).toBe(
      `${kit.agent.root}/${fn}/releases/1.1.0`,
    );
  });

  it.each(["unpack:before", "stop:before", "switch:after", "verify:before", "commit:before"])(
    "kill -9 at %s during a redeploy: after a restart it ends OK in the new folder",
    async (at) => {
      kit = await installed(`redeploy-crash-${at.replace(":", "-")}`);
      await kit.agent.stop();
      await kit.agent.start({ TILLROLL_TEST_CRASH_AT: at });
      await kit.want("1.1.0", { requestId: "crash2", redeploy: true });
      expect(await kit.agent.waitExit(30_000), kit.agent.log()).toBeNull();

      await kit.agent.start();
      await kit.waitService(fn, (s) => s.status === "OK" && s.requestId === "crash2");
      expect(await current(kit)).toBe("releases/1.1.0~crash2");
      expect(await releases(kit)).toEqual(["1.1.0", "1.1.0~crash2"]);
      await expect
        .poll(async () => {
          const marker = await readMarker(kit?.agent.markers ?? "", fn);
          return readlink(`/proc/${marker?.pid}/cwd`).catch(() => "gone");
        })
        .toBe(`${kit.agent.root}/${fn}/releases/1.1.0~crash2`);
      // No staging folder or temp link is left behind.
      expect((await readdir(`${kit.agent.root}/${fn}`)).sort()).toEqual(["current", "releases"]);
      expect(kit.agent.log()).toMatch(/interrupted at/);
    },
  );
});
