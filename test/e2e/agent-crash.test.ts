import { readFileSync } from "node:fs";
import { readdir, readlink } from "node:fs/promises";
import { FORWARD_STEPS, ROLLBACK_STEPS } from "@tillroll/agent";
import { afterAll, describe, expect, it } from "vitest";
import { readMarker } from "../support/packs.js";
import { type AgentKit, agentKit } from "./agent-kit.js";

/** Processes whose working directory is inside `root`: the services this till runs. */
async function servicesUnder(root: string): Promise<{ pid: number; cwd: string }[]> {
  const found: { pid: number; cwd: string }[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cwd = await readlink(`/proc/${entry}/cwd`);
      if (cwd.startsWith(`${root}/`)) found.push({ pid: Number(entry), cwd });
    } catch {
      // gone, or not ours
    }
  }
  return found;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

interface CrashPoint {
  at: string;
  /** The update under test: a good 1.1.0, or a 1.1.0 that fails its health check. */
  pack: "good" | "unhealthy";
  ends: { status: "OK" | "Rolled Back"; version: string };
}

// Every named step of the agent's journal, straight from the agent: a new step gets a crash point too.
const forward = [...FORWARD_STEPS];
const POINTS: CrashPoint[] = [
  ...forward.map((step) => ({
    at: `${step}:before`,
    pack: "good" as const,
    ends: { status: "OK" as const, version: "1.1.0" },
  })),
  { at: "switch:after", pack: "good", ends: { status: "OK", version: "1.1.0" } },
  { at: "start:after", pack: "good", ends: { status: "OK", version: "1.1.0" } },
  ...ROLLBACK_STEPS.map((step) => ({
    at: `${step}:before`,
    pack: "unhealthy" as const,
    ends: { status: "Rolled Back" as const, version: "1.0.0" },
  })),
  {
    at: "rollback-switch:after",
    pack: "unhealthy",
    ends: { status: "Rolled Back", version: "1.0.0" },
  },
];

describe("agent: kill -9 at every journal step, then restart", () => {
  const survived: string[] = [];
  const adopted: string[] = [];
  afterAll(() => {
    console.log(`crash points survived: ${survived.length}/${POINTS.length}`);
    console.log(`service adopted (same pid) after the crash at: ${adopted.join(", ")}`);
  });

  it.each(POINTS)(
    "crash at $at ($pack update) ends with one healthy release, reported truthfully",
    async (point) => {
      const kit: AgentKit = await agentKit(`crash-${point.at.replace(":", "-")}`);
      try {
        await kit.pack({ name: "pos-client", version: "1.0.0" });
        await kit.pack({
          name: "pos-client",
          version: "1.1.0",
          ...(point.pack === "unhealthy"
            ? { health: "fail" as const, healthTimeoutSeconds: 0.6 }
            : {}),
        });
        await kit.agent.start();
        await kit.want("1.0.0");
        await kit.waitService(
          "pos-client",
          (s) => s.status === "OK" && s.activeVersion === "1.0.0",
        );

        // Restart armed to die at the crash point, like a power cut there.
        await kit.agent.stop();
        await kit.agent.start({ TILLROLL_TEST_CRASH_AT: point.at });
        await kit.want("1.1.0");
        const code = await kit.agent.waitExit(30_000);
        expect(
          code,
          `the agent should have been killed at ${point.at}\n${kit.agent.log()}`,
        ).toBeNull();

        // The service that runs at the crash, if it runs the release the update
        // ends on: it outlives the agent and must be adopted, not started twice.
        const atCrash = await readMarker(kit.agent.markers, "pos-client");
        const survivor =
          atCrash !== undefined && atCrash.version === point.ends.version && isAlive(atCrash.pid)
            ? atCrash.pid
            : undefined;

        await kit.agent.start();
        const end = await kit.waitService(
          "pos-client",
          (s) => s.status === point.ends.status && s.activeVersion === point.ends.version,
          30_000,
        );
        expect(end.services["pos-client"]?.activeVersion).toBe(point.ends.version);

        // Exactly one copy of the service runs, from the reported release.
        await expect
          .poll(async () => (await servicesUnder(kit.agent.root)).map((p) => p.cwd), {
            timeout: 5000,
          })
          .toEqual([`${kit.agent.root}/pos-client/releases/${point.ends.version}`]);
        expect(await readlink(`${kit.agent.root}/pos-client/current`)).toBe(
          `releases/${point.ends.version}`,
        );
        const final = await readMarker(kit.agent.markers, "pos-client");
        expect(final?.version).toBe(point.ends.version);
        if (survivor !== undefined) {
          expect(
            final?.pid,
            `the service that survived the crash at ${point.at} was started again`,
          ).toBe(survivor);
          adopted.push(point.at);
        }
        // No half-extracted release or staging folder is left behind.
        expect((await readdir(`${kit.agent.root}/pos-client`)).sort()).toEqual([
          "current",
          "releases",
        ]);
        survived.push(point.at);
      } catch (error) {
        if (process.env.DEBUG_CRASH) console.log(kit.agent.log());
        throw error;
      } finally {
        await kit.close();
      }
    },
  );
});
