import { open, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { fsyncDir } from "../release/release-layout.js";

/**
 * Small files in the agent root (`<root>/tillroll-agent/`) that the agent and
 * the launcher (agent/bin/tillroll-agent-launcher, a POSIX sh script) share.
 * Plain one-line text, so the shell reads them with `cat`:
 *
 *   pending-confirm    "FROM TO"   written by the old agent before it switches
 *                                  `current` to TO; removed when TO confirms
 *                                  (or the update ends otherwise)
 *   launch-failures    "N"         the launcher's count of TO's exits before it
 *                                  confirmed
 *   launcher-rollback  "TO CODE N" the launcher gave up on TO (its last exit
 *                                  code, N exits) and pointed `current` back
 *                                  at FROM; the old agent reports it
 */
export const PENDING_FILE = "pending-confirm";
export const FAILURES_FILE = "launch-failures";
export const LAUNCHER_ROLLBACK_FILE = "launcher-rollback";

export interface PendingConfirm {
  from: string;
  to: string;
}

export interface LauncherRollback {
  to: string;
  /** The new agent's last exit code ("?" when the launcher could not tell). */
  code: string;
  exits: number;
}

async function readLine(path: string): Promise<string | null> {
  try {
    const text = (await readFile(path, "utf8")).trim();
    return text === "" ? null : text;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

async function writeDurably(path: string, dir: string, text: string): Promise<void> {
  const handle = await open(path, "w");
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fsyncDir(dir);
}

/** Parses "FROM TO" (pure; null for anything else). */
export function parsePending(text: string | null): PendingConfirm | null {
  const parts = text?.split(/\s+/) ?? [];
  if (parts.length !== 2 || parts[0] === undefined || parts[1] === undefined) return null;
  return { from: parts[0], to: parts[1] };
}

/** Parses "TO CODE N" (pure; null for anything else). */
export function parseLauncherRollback(text: string | null): LauncherRollback | null {
  const parts = text?.split(/\s+/) ?? [];
  if (parts.length !== 3) return null;
  const [to = "", code = "?", exits = ""] = parts;
  const n = Number(exits);
  return Number.isInteger(n) && n >= 0 ? { to, code, exits: n } : null;
}

export class HandoverFiles {
  constructor(readonly agentRoot: string) {}

  private path(name: string): string {
    return join(this.agentRoot, name);
  }

  /** Before `current` moves to `to`: the launcher now counts `to`'s exits from zero. */
  async markPending(pending: PendingConfirm): Promise<void> {
    await rm(this.path(FAILURES_FILE), { force: true });
    await rm(this.path(LAUNCHER_ROLLBACK_FILE), { force: true });
    await writeDurably(this.path(PENDING_FILE), this.agentRoot, `${pending.from} ${pending.to}\n`);
  }

  async pending(): Promise<PendingConfirm | null> {
    return parsePending(await readLine(this.path(PENDING_FILE)));
  }

  async launcherRollback(): Promise<LauncherRollback | null> {
    return parseLauncherRollback(await readLine(this.path(LAUNCHER_ROLLBACK_FILE)));
  }

  /** The update is over (confirmed, rolled back or aborted): nothing left for the launcher. */
  async clear(): Promise<void> {
    for (const name of [PENDING_FILE, FAILURES_FILE, LAUNCHER_ROLLBACK_FILE])
      await rm(this.path(name), { force: true });
    await fsyncDir(this.agentRoot).catch(() => undefined);
  }
}
