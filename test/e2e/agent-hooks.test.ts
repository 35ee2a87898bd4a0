import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type AgentKit, agentKit } from "./agent-kit.js";

/** Alive and not a zombie. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0] !== "Z";
  } catch {
    return true;
  }
}

describe("agent: hooks", () => {
  let kit: AgentKit | undefined;
  afterEach(async () => {
    await kit?.close();
    kit = undefined;
  });

  it("a daemon forked by a hook is ended with the hook (issue 8 item 13)", async () => {
    kit = await agentKit("hook-daemon");
    const forkDaemon = 'sleep 1000 &\necho $! > "$TILLROLL_MARKER_DIR/daemon-$1.pid"\nexit 0';
    await kit.pack({
      name: "pos-client",
      version: "1.0.0",
      beforeInstall: forkDaemon.replace("$1", "before"),
      afterInstall: forkDaemon.replace("$1", "after"),
    });
    await kit.agent.start();
    await kit.want("1.0.0");
    await kit.waitService("pos-client", (s) => s.status === "OK" && s.activeVersion === "1.0.0");
    for (const which of ["before", "after"]) {
      const pid = Number(await readFile(join(kit.agent.markers, `daemon-${which}.pid`), "utf8"));
      expect(pid).toBeGreaterThan(1);
      expect(isAlive(pid)).toBe(false);
    }
    const log = await readFile(join(kit.agent.state, "logs", "pos-client.log"), "utf8");
    expect(log).toMatch(/ended processes the command left running/);
  });
});
