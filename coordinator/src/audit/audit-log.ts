import { mkdir, open, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { fsyncDir } from "../packs/pack-file.js";
import { errorText } from "../setup/data-dir-error.js";
import { type AuditEntry, auditEntrySchema } from "./audit-entry.js";

// The entry's schema lives in a pure module (the browser's contract reaches it).
export { type AuditEntry, auditEntrySchema } from "./audit-entry.js";

/**
 * Append-only JSON lines, fsync'd per entry: an audit record must not be
 * lost to a crash right after the action it records. Mode 600: it names
 * operators and their actions.
 */
export class AuditLog {
  /** Appends run one at a time, so a failed one can be cut back without touching another. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly path: string) {}

  append(entry: AuditEntry): Promise<void> {
    const run = this.queue.then(() => this.appendNow(entry));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async appendNow(entry: AuditEntry): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const handle = await open(this.path, "a", 0o600);
    try {
      const { size } = await handle.stat();
      try {
        await handle.writeFile(`${JSON.stringify(entry)}\n`);
        await handle.sync();
        // The first entry created the file: its name must survive a power cut too.
        if (size === 0) await fsyncDir(dirname(this.path));
      } catch (error) {
        // A part-written line (disk full) would swallow the next entry into
        // one unreadable line: cut the file back to its last whole entry.
        await handle.truncate(size).catch(() => undefined);
        throw new Error(`cannot append to the audit log ${this.path} (${errorText(error)})`);
      }
    } finally {
      await handle.close();
    }
  }

  /** Entries oldest first; a torn last line (crash mid-append) is skipped. */
  async list(limit = 1000): Promise<AuditEntry[]> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    const entries: AuditEntry[] = [];
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      try {
        const parsed = auditEntrySchema.safeParse(JSON.parse(line));
        if (parsed.success) entries.push(parsed.data);
      } catch {
        // a line cut by a crash: the entries before it are intact
      }
    }
    return entries.slice(-limit);
  }
}
