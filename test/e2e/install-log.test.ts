import { type ChildProcess, spawn } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { TILLROLL_CLI } from "./coordinator-harness.js";
import { CoordinatorKit } from "./coordinator-kit.js";

/** The answer of `tillroll log … --json`. */
interface LogAnswer {
  lines: { at: string; level: string; source: string; stream: string | null; text: string }[];
  next: number;
}

const HOOK_LINES = 40;

describe("install logs at head office (issue 13, acceptance 2)", () => {
  let kit: CoordinatorKit | undefined;
  let follower: ChildProcess | undefined;
  afterEach(async () => {
    follower?.kill("SIGINT");
    await kit?.close();
    kit = undefined;
  });

  it("hook and health-check output reach `tillroll log`, with every line made while the coordinator was down for 20 s, in order, once", async () => {
    const started = Date.now();
    const stages: string[] = [];
    const stage = (name: string) =>
      stages.push(`${name} ${((Date.now() - started) / 1000).toFixed(1)} s`);
    kit = await CoordinatorKit.create("install-log");
    const coordinator = kit.coordinator;
    await kit.publish({
      name: "pos-client",
      version: "1.0.0",
      // The first line says the hook runs; the rest come after the coordinator went down.
      beforeInstall: `echo "hook started"\nsleep 1\ni=1\nwhile [ $i -le ${HOOK_LINES} ]; do echo "hook line $i"; i=$((i+1)); done\necho "hook warning" >&2`,
      afterInstall: 'echo "after-install done"',
      healthScript: 'echo "health: database reachable"\nexit 0',
    });
    const agent = await kit.enrolAndStart("1001/01", "DE", []);
    stage("enrolled");
    const token = await coordinator.token();
    // Polls read the API directly (a CLI process per poll is slow on a busy machine);
    // what `tillroll log` prints is checked once at the end.
    const log = async (): Promise<LogAnswer> => {
      const answer = await fetch(
        `${coordinator.url}/api/install-log?store=1001&workstation=01&function=pos-client`,
        { headers: { authorization: `Bearer ${token}` } },
      );
      return (await answer.json()) as LogAnswer;
    };
    await kit.requestInstall("1.0.0", "--store", "1001");
    await expect
      .poll(async () => (await log()).lines.map((l) => l.text), { timeout: 15_000, interval: 100 })
      .toContain("hook started");
    stage("hook started");
    // `tillroll log --follow` watches throughout, across the coordinator's restart.
    const followed: string[] = [];
    follower = spawn(
      process.execPath,
      [
        TILLROLL_CLI,
        ...["log", "1001/01", "pos-client", "--follow", "--json"],
        `--url=${coordinator.url}`,
        `--token=${token}`,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let partial = "";
    follower.stdout?.on("data", (chunk: Buffer) => {
      const parts = (partial + chunk.toString()).split("\n");
      partial = parts.pop() ?? "";
      for (const part of parts) followed.push((JSON.parse(part) as { text: string }).text);
    });
    await expect.poll(() => followed, { timeout: 5_000, interval: 100 }).toContain("hook started");

    // The head office goes away (broker and coordinator: one process) for 20 s; the
    // till carries on and finishes the update alone.
    stage("follower running");
    await coordinator.kill9();
    const down = Date.now();
    await expect
      .poll(() => agent.output.some((line) => line.includes("In Progress -> OK")), {
        timeout: 20_000,
        interval: 200,
      })
      .toBe(true);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 20_000 - (Date.now() - down))));
    await coordinator.start();
    stage("coordinator back");

    await expect
      .poll(async () => (await log()).lines.map((l) => l.text), { timeout: 15_000, interval: 100 })
      .toContain("health: database reachable");
    stage("lines arrived");
    const [answer, text] = await Promise.all([
      coordinator.consoleJson<LogAnswer>("log", "1001/01", "pos-client"),
      coordinator.console("log", "1001/01", "pos-client"),
    ]);
    const texts = answer.lines.map((l) => l.text);
    const hookLines = texts.filter((t) => t.startsWith("hook line "));
    // Every line the hook printed while nobody listened: all there, once, in order.
    expect(hookLines).toEqual(Array.from({ length: HOOK_LINES }, (_, i) => `hook line ${i + 1}`));
    expect(texts.filter((t) => t === "hook started")).toHaveLength(1);
    const at = (text: string) => texts.indexOf(text);
    expect(at("hook started")).toBeLessThan(at("hook line 1"));
    expect(at(`hook line ${HOOK_LINES}`)).toBeLessThan(at("hook warning"));
    // The afterInstall hook runs before the new release starts and is health-checked.
    expect(at("hook warning")).toBeLessThan(at("after-install done"));
    expect(at("after-install done")).toBeLessThan(at("health: database reachable"));
    expect(answer.lines.find((l) => l.text === "hook warning")).toMatchObject({
      source: "beforeInstall",
      stream: "stderr",
      level: "warn",
    });
    expect(answer.lines.find((l) => l.text === "health: database reachable")).toMatchObject({
      source: "health",
      stream: "stdout",
    });
    // Kept in the order made: the agents' times never go backwards.
    const times = answer.lines.map((l) => l.at);
    expect(times).toEqual([...times].sort());

    // The follower printed each line once, in the same order, across the restart.
    await expect
      .poll(() => followed.length, { timeout: 5_000, interval: 100 })
      .toBe(answer.lines.length);
    expect(followed).toEqual(texts);
    expect(follower.exitCode).toBeNull();

    // For people, with who wrote each line.
    expect(text).toMatch(/beforeInstall:stdout\s+\S+\s+hook line 1\n/);
    expect(text).toMatch(/health:stdout\s+\S+\s+health: database reachable/);
    console.log(
      `install-log: ${answer.lines.length} lines kept, ${HOOK_LINES + 3} made while the coordinator was down; ${stages.join(", ")}; done ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  }, 60_000);
});
