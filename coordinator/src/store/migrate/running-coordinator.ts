import { readdir, readFile, readlink, realpath } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";

/**
 * Pure: the data folder a `tillroll coordinator` command line runs on
 * (`--data DIR`, `--data=DIR`, else `./data`), resolved against the
 * process's working folder; null when the command line is not a coordinator's.
 */
export function coordinatorDataDir(argv: readonly string[], cwd: string): string | null {
  // `node …/cli/main.js coordinator …` or `…/bin/tillroll coordinator …`: the command is the
  // word right after the program, so `tillroll status --data coordinator` is not one.
  const program = argv.findIndex(
    (arg) => arg.endsWith("/cli/main.js") || arg === "tillroll" || arg.endsWith("/tillroll"),
  );
  if (program < 0 || argv[program + 1] !== "coordinator") return null;
  const at = program + 1;
  let dir = "./data";
  for (let i = at + 1; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--data" && argv[i + 1] !== undefined) dir = argv[i + 1] ?? dir;
    else if (arg.startsWith("--data=")) dir = arg.slice("--data=".length);
  }
  return isAbsolute(dir) ? dir : resolve(cwd, dir);
}

/**
 * The pid of a `tillroll coordinator` running on `dataDir`, found in /proc
 * (Linux; processes this user may read), or null. The coordinator keeps no
 * lock file, so this is how `tillroll migrate` refuses to copy a folder that
 * is still being written.
 */
export async function runningCoordinatorOn(dataDir: string): Promise<number | null> {
  const wanted = await realpath(dataDir).catch(() => resolve(dataDir));
  const pids = await readdir("/proc").catch(() => [] as string[]);
  for (const pid of pids) {
    if (!/^[0-9]+$/.test(pid) || Number(pid) === process.pid) continue;
    try {
      const argv = (await readFile(join("/proc", pid, "cmdline"), "utf8")).split("\0");
      const dir = coordinatorDataDir(argv, await readlink(join("/proc", pid, "cwd")));
      if (dir === null) continue;
      if ((await realpath(dir).catch(() => dir)) === wanted) return Number(pid);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return null;
}
