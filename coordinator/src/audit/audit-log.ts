import { mkdir, open, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { z } from "zod";
import { storedWhoSchema } from "../accounts/audit-identity.js";
import { fsyncDir } from "../packs/pack-file.js";
import { errorText } from "../setup/data-dir-error.js";

/** One console action: who, when, what, and the rows it touched. */
export const auditEntrySchema = z.object({
  at: z.string(),
  /** `{name, role}` of the operator; entries from before operators existed hold a string. */
  who: storedWhoSchema,
  action: z.string(),
  /** The request as the operator gave it (filters, version, valid-from...). */
  details: z.record(z.string(), z.unknown()),
  /** `store/ws/function` of every row changed, and how many were skipped. */
  touched: z.array(z.string()),
  skipped: z.number().int().min(0),
});

export type AuditEntry = z.infer<typeof auditEntrySchema>;

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
