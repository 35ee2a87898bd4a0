import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LineSplitter, MAX_LINE_LENGTH } from "../../src/process/line-splitter.js";
import { killOrphan } from "../../src/process/pid-file.js";
import {
  type OutputStream,
  resolveReleaseCommand,
  runCommand,
} from "../../src/process/run-command.js";
import { isAlive, Releases, script, waitFor } from "./fixtures.js";

const releases = new Releases();
afterEach(() => releases.cleanup());

function collect() {
  const lines: Array<[OutputStream, string]> = [];
  return { lines, onLine: (line: string, stream: OutputStream) => lines.push([stream, line]) };
}

describe("runCommand", () => {
  it("reports success and failure exit codes", async () => {
    const dir = await releases.create();
    await script(dir, "hooks/ok", "exit 0");
    await script(dir, "hooks/fail", "exit 3");

    const ok = await runCommand({ command: "hooks/ok", cwd: dir, timeoutMs: 5_000 });
    expect(ok).toEqual({
      ok: true,
      exitCode: 0,
      signal: null,
      timedOut: false,
      reason: "exited with code 0",
    });
    const fail = await runCommand({ command: "hooks/fail", cwd: dir, timeoutMs: 5_000 });
    expect(fail).toMatchObject({ ok: false, exitCode: 3, reason: "exited with code 3" });
  });

  it("reports death by signal", async () => {
    const dir = await releases.create();
    await script(dir, "crash", "kill -KILL $$");
    const result = await runCommand({ command: "crash", cwd: dir, timeoutMs: 5_000 });
    expect(result).toMatchObject({ ok: false, exitCode: null, signal: "SIGKILL" });
    expect(result.reason).toBe("killed by signal SIGKILL");
  });

  it("delivers output line by line across chunks, flushing a partial last line", async () => {
    const dir = await releases.create();
    await script(
      dir,
      "talk",
      [
        "printf 'hel'",
        "sleep 0.05",
        "printf 'lo\\nwor'",
        "sleep 0.05",
        "printf 'ld\\r\\ntail'",
      ].join("\n"),
    );
    const { lines, onLine } = collect();
    const result = await runCommand({ command: "talk", cwd: dir, timeoutMs: 5_000, onLine });
    expect(result.ok).toBe(true);
    expect(lines).toEqual([
      ["stdout", "hello"],
      ["stdout", "world"],
      ["stdout", "tail"],
    ]);
  });

  it("tells stderr from stdout", async () => {
    const dir = await releases.create();
    await script(dir, "mixed", "echo out\necho err >&2\nexit 2");
    const { lines, onLine } = collect();
    const result = await runCommand({ command: "mixed", cwd: dir, timeoutMs: 5_000, onLine });
    expect(result.reason).toBe("exited with code 2");
    expect(lines).toContainEqual(["stdout", "out"]);
    expect(lines).toContainEqual(["stderr", "err"]);
  });

  it("caps very long lines", async () => {
    const dir = await releases.create();
    await script(dir, "long", "head -c 10000 /dev/zero | tr '\\0' a\necho\necho next");
    const { lines, onLine } = collect();
    await runCommand({ command: "long", cwd: dir, timeoutMs: 5_000, onLine });
    expect(lines.map(([, line]) => line.length)).toEqual([MAX_LINE_LENGTH, 4]);
    expect(lines[1]).toEqual(["stdout", "next"]);
  });

  it("passes args and env and runs in the release folder", async () => {
    const dir = await releases.create();
    await script(dir, "bin/show", 'echo "$1 $FOO $(pwd)"');
    const { lines, onLine } = collect();
    await runCommand({
      command: "bin/show",
      cwd: dir,
      args: ["hi"],
      env: { PATH: process.env.PATH, FOO: "bar" },
      timeoutMs: 5_000,
      onLine,
    });
    expect(lines).toEqual([["stdout", `hi bar ${dir}`]]);
  });

  it("on timeout kills the whole group, including a grandchild that ignores SIGTERM", async () => {
    const dir = await releases.create();
    await script(
      dir,
      "hooks/hang",
      [
        // The grandchild ignores TERM, so only the SIGKILL phase can remove it.
        `sh -c 'trap "" TERM; while :; do sleep 0.05; done' &`,
        'echo $! > "grandchild.pid"',
        "wait",
      ].join("\n"),
    );
    const startedAt = Date.now();
    const result = await runCommand({
      command: "hooks/hang",
      cwd: dir,
      timeoutMs: 300,
      killGraceMs: 200,
    });
    expect(result).toMatchObject({ ok: false, timedOut: true, reason: "timed out after 300 ms" });
    const grandchild = Number(await readFile(join(dir, "grandchild.pid"), "utf8"));
    expect(grandchild).toBeGreaterThan(1);
    expect(isAlive(grandchild)).toBe(false);
    expect(Date.now() - startedAt).toBeLessThan(3_000);
  });

  it("ends a daemon the command forked once the command exits (issue 8 item 13)", async () => {
    const dir = await releases.create();
    await script(
      dir,
      "hooks/fork-daemon",
      ["sleep 1000 &", 'echo $! > "daemon.pid"', "echo installed", "exit 0"].join("\n"),
    );
    const { lines, onLine } = collect();
    const leftovers: string[] = [];
    const result = await runCommand({
      command: "hooks/fork-daemon",
      cwd: dir,
      timeoutMs: 5_000,
      killGraceMs: 500,
      onLine,
      onLeftover: (message) => leftovers.push(message),
    });
    expect(result).toMatchObject({ ok: true, reason: "exited with code 0" });
    expect(lines).toEqual([["stdout", "installed"]]);
    const daemon = Number(await readFile(join(dir, "daemon.pid"), "utf8"));
    expect(daemon).toBeGreaterThan(1);
    expect(isAlive(daemon)).toBe(false);
    expect(leftovers).toEqual(["ended processes the command left running (terminated)"]);
  });

  it("records the group in a pid file while running, so a restarted agent can end it", async () => {
    const dir = await releases.create();
    await script(dir, "hooks/slow", ["sleep 1000 &", 'echo $! > "daemon.pid"', "wait"].join("\n"));
    const pidFile = join(dir, "command.pid");
    const running = runCommand({ command: "hooks/slow", cwd: dir, timeoutMs: 30_000, pidFile });
    // Both written: the script's daemon pid, and the group's pid file (written
    // by runCommand just after the spawn, so it may land after the script ran).
    await waitFor(async () => {
      try {
        return (
          (await readFile(join(dir, "daemon.pid"), "utf8")).trim() !== "" &&
          (await readFile(pidFile, "utf8")).trim() !== ""
        );
      } catch {
        return false;
      }
    });
    // What the next agent start does with a crashed agent's pid file.
    const orphan = await killOrphan(pidFile, { graceMs: 500 });
    expect(orphan).toMatchObject({ found: true, killed: true });
    expect(isAlive(Number(await readFile(join(dir, "daemon.pid"), "utf8")))).toBe(false);
    expect((await running).ok).toBe(false);
    await expect(readFile(pidFile)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("stops when aborted", async () => {
    const dir = await releases.create();
    await script(dir, "slow", "sleep 10");
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const result = await runCommand({
      command: "slow",
      cwd: dir,
      timeoutMs: 10_000,
      signal: controller.signal,
    });
    expect(result).toMatchObject({ ok: false, timedOut: false, reason: "aborted" });
  });

  it("reports a missing or non-executable command without throwing", async () => {
    const dir = await releases.create();
    const missing = await runCommand({ command: "bin/missing", cwd: dir, timeoutMs: 1_000 });
    expect(missing).toMatchObject({ ok: false, exitCode: null, reason: "could not start: ENOENT" });

    await writeFile(join(dir, "plain"), "#!/bin/sh\nexit 0\n", { mode: 0o644 });
    const plain = await runCommand({ command: "plain", cwd: dir, timeoutMs: 1_000 });
    expect(plain.reason).toBe("could not start: EACCES");
  });

  it("refuses commands that escape the release folder", async () => {
    const parent = await releases.create();
    const dir = join(parent, "release");
    await script(parent, "outside", `touch "${parent}/ran"`);
    await script(dir, "inside", "exit 0");

    for (const command of ["../outside", "bin/../../outside", join(parent, "outside"), "", "."]) {
      const result = await runCommand({ command, cwd: dir, timeoutMs: 1_000 });
      expect(result.ok).toBe(false);
      expect(result.reason).toMatch(/^refused: /);
    }
    await expect(readFile(join(parent, "ran"))).rejects.toThrow(/ENOENT/);
  });
});

describe("resolveReleaseCommand", () => {
  it("keeps paths inside the release", () => {
    expect(resolveReleaseCommand("/r/1", "bin/start")).toEqual({
      ok: true,
      path: "/r/1/bin/start",
    });
    expect(resolveReleaseCommand("/r/1", "./bin/../start")).toEqual({
      ok: true,
      path: "/r/1/start",
    });
    expect(resolveReleaseCommand("/r/1", "..start")).toEqual({ ok: true, path: "/r/1/..start" });
    expect(resolveReleaseCommand("/r/1", "../2/bin/start").ok).toBe(false);
  });
});

describe("LineSplitter", () => {
  it("joins chunks, strips CR, caps and resumes after the newline", () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line), 5);
    splitter.push("ab");
    splitter.push("c\r\nde\n\n");
    splitter.push("0123456789");
    splitter.push("xyz\nok");
    splitter.flush();
    expect(lines).toEqual(["abc", "de", "", "01234", "ok"]);
  });
});
