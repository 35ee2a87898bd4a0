import { readdir, unlink } from "node:fs/promises";
import { join } from "node:path";
import { writeFileDurably } from "../../files/durable-file.js";
import { EMPTY_SCHEDULES, type ScheduleState } from "../../schedules/schedule-state.js";
import { DataDirError, errorText } from "../../setup/data-dir-error.js";
import { ChangedSchedules } from "../changed-schedules.js";
import { readDataFile } from "./data-files.js";
import { decodeScheduleFile, encodeScheduleFile } from "./schedule-file.js";

/**
 * ScheduleStore over `DATA/schedules.json` (mode 600): one small file,
 * replaced whole (temp file, fsync, rename, fsync of the folder) on every
 * change, and kept in memory. A change is made on a copy and becomes the
 * state only once the file is written: a failed write changes nothing.
 * Changes run one at a time.
 */
export class JsonSchedules extends ChangedSchedules {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly path: string,
    private state: ScheduleState,
  ) {
    super();
  }

  /**
   * Reads the file (none yet: empty); a file that cannot be used stops the
   * start, naming it. A temp file of a write cut short (a crash between
   * write and rename) is removed: the file before it is whole.
   */
  static async open(dataDir: string, log: (message: string) => void): Promise<JsonSchedules> {
    const path = join(dataDir, "schedules.json");
    for (const name of await readdir(dataDir).catch(() => [] as string[])) {
      if (!/^schedules\.json\.tmp-[0-9a-f]+$/.test(name)) continue;
      await unlink(join(dataDir, name)).catch(() => undefined);
      log(`removed ${join(dataDir, name)}: a schedules write cut short`);
    }
    const content = await readDataFile(path);
    if (content === null) return new JsonSchedules(path, EMPTY_SCHEDULES);
    const decoded = decodeScheduleFile(content);
    if (!decoded.ok)
      throw new DataDirError(
        `${path} is not a usable schedules file (${decoded.error}); restore it from your backup`,
      );
    return new JsonSchedules(path, decoded.value);
  }

  async read(): Promise<ScheduleState> {
    return structuredClone(this.state);
  }

  /**
   * Applies `edit` to the state (null: nothing to change, nothing written),
   * writes the result durably, and only then makes it the state.
   */
  protected change(edit: (state: ScheduleState) => ScheduleState | null): Promise<ScheduleState> {
    const run = this.queue.then(async () => {
      const next = edit(this.state);
      if (next === null) return structuredClone(this.state);
      const copy = structuredClone(next);
      try {
        await writeFileDurably(this.path, encodeScheduleFile(copy), {
          mode: 0o600,
          existing: "replace",
        });
      } catch (error) {
        throw new Error(
          `cannot save ${this.path} (${errorText(error)}); the schedules were not changed`,
        );
      }
      this.state = copy;
      return structuredClone(copy);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}
