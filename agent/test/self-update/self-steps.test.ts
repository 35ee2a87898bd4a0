import { mkdir, mkdtemp, readlink, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { StepInput } from "../../src/engine/engine-context.js";
import { FunctionLayout } from "../../src/release/release-layout.js";
import type { SelfUpdateHost } from "../../src/self-update/self-host.js";
import { SELF_STEP_EXECUTORS } from "../../src/self-update/self-steps.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "self-steps-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** An update 0.1.0 -> 0.2.0 of the agent, run by an agent of `running`, with real release folders. */
async function input(
  running: string,
  signal: AbortSignal,
  newBundle: string,
  extra: { host?: Partial<SelfUpdateHost>; clock?: unknown } = {},
): Promise<StepInput> {
  const root = join(dir, "root");
  const layout = new FunctionLayout(root, "tillroll-agent");
  for (const [release, body] of [
    ["0.1.0", "process.exit(0);"],
    ["0.2.0", newBundle],
  ] as const) {
    await mkdir(layout.releaseDir(release), { recursive: true });
    await writeFile(join(layout.releaseDir(release), "tillroll-agent.mjs"), body);
  }
  await symlink("releases/0.1.0", layout.currentLink);
  const host: SelfUpdateHost = {
    configPath: join(dir, "agent.json"),
    runningRelease: running,
    confirmSeconds: 0,
    confirmTimeoutSeconds: 120,
    probeTimeoutMs: 20_000,
    startedAt: 0,
    connected: () => true,
    requestRestart: () => undefined,
    giveUp: () => undefined,
    ...extra.host,
  };
  const job = {
    requestId: "r-1",
    fromVersion: "0.1.0",
    toVersion: "0.2.0",
    fromRelease: "0.1.0",
    toRelease: "0.2.0",
    artifact: { url: "http://127.0.0.1/x.tgz", sha256: "a".repeat(64), size: 1 },
    failure: null,
  };
  return {
    fn: "tillroll-agent",
    job,
    record: { previousVersion: null, previousRelease: null },
    layout,
    signal,
    ctx: {
      config: { root, state: join(dir, "state") },
      selfUpdate: host,
      log: () => undefined,
      clock: extra.clock,
    },
  } as unknown as StepInput;
}

describe("self-update steps", () => {
  it("a probe cut short by the agent's stop is not a failure: the step is cancelled, not aborted", async () => {
    const abort = new AbortController();
    const step = await input("0.1.0", abort.signal, "setInterval(() => {}, 1000);");
    setTimeout(() => abort.abort(), 300);
    const probe = SELF_STEP_EXECUTORS["pre-hook"];
    expect(await probe?.(step)).toEqual({ kind: "cancelled" });
  });

  it("an agent not run from the agent root refuses before probing anything", async () => {
    const step = await input("0.0.9", new AbortController().signal, "process.exit(0);");
    const result = await SELF_STEP_EXECUTORS["pre-hook"]?.(step);
    expect(result).toMatchObject({ kind: "abort" });
    expect(JSON.stringify(result)).toContain("tillroll-agent-launcher");
  });

  it("the old agent, started again after the launcher went back, ends the update Rolled Back", async () => {
    const step = await input("0.1.0", new AbortController().signal, "process.exit(0);");
    await writeFile(join(step.layout.dir, "launcher-rollback"), "0.2.0 3 3\n");
    const result = await SELF_STEP_EXECUTORS.start?.(step);
    expect(result).toMatchObject({
      kind: "end",
      status: "Rolled Back",
      activeVersion: "0.1.0",
      reason:
        "new agent 0.2.0 exited before confirming (code 3, 3 times); the launcher went back to the previous agent",
    });
    expect(await readlink(step.layout.currentLink)).toBe("releases/0.1.0");
    expect(await step.layout.hasRelease("0.2.0")).toBe(false);
  });

  /** A clock whose sleep moves time on at once: the deadline is reached without waiting for it. */
  function fakeClock() {
    const clock = {
      t: 0,
      now: () => clock.t,
      sleep: async (ms: number) => {
        clock.t += ms;
      },
    };
    return clock;
  }

  it("a new agent that cannot reach the broker gives up at the confirm deadline, so the launcher counts it", async () => {
    const abort = new AbortController();
    const clock = fakeClock();
    const gaveUp: { reason: string; at: number }[] = [];
    const step = await input("0.2.0", abort.signal, "process.exit(0);", {
      clock,
      host: {
        startedAt: 0,
        confirmSeconds: 5,
        confirmTimeoutSeconds: 120,
        connected: () => false,
        // As the agent does: stop (which aborts the step), then exit 69.
        giveUp: (reason) => {
          gaveUp.push({ reason, at: clock.t });
          abort.abort();
        },
        requestRestart: () => expect.fail("an unconfirmed agent must not exit 75"),
      },
    });
    expect(await SELF_STEP_EXECUTORS.verify?.(step)).toEqual({ kind: "cancelled" });
    expect(gaveUp).toEqual([
      {
        reason:
          "0.2.0 could not confirm within 120 s (no broker connection); exiting with code 69 for the launcher",
        at: 120_000,
      },
    ]);
  });

  it("one that connects before the deadline confirms and never gives up", async () => {
    const clock = fakeClock();
    const step = await input("0.2.0", new AbortController().signal, "process.exit(0);", {
      clock,
      host: {
        confirmSeconds: 5,
        confirmTimeoutSeconds: 120,
        connected: () => clock.t >= 90_000,
        giveUp: () => expect.fail("gave up although it confirmed in time"),
      },
    });
    expect(await SELF_STEP_EXECUTORS.verify?.(step)).toEqual({ kind: "next", step: "commit" });
    expect(clock.t).toBe(90_000);
  });
});
