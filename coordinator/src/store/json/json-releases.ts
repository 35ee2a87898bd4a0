import { unlink } from "node:fs/promises";
import { join } from "node:path";
import { writeFileDurably } from "../../files/durable-file.js";
import type { ReleaseRecord } from "../../releases/release-model.js";
import { DataDirError, errorText } from "../../setup/data-dir-error.js";
import type { ReleaseStore } from "../release-store.js";
import { openRecordFolder, readDataFile } from "./data-files.js";
import { decodeReleaseFile, encodeReleaseFile } from "./release-file.js";

const RELEASE_FILE = /^([1-9][0-9]*)\.json$/;
/** writeFileDurably's temp files: a crash between write and rename leaves one. */
const TEMP_FILE = /^[1-9][0-9]*\.json\.tmp-[0-9a-f]+$/;
/** How often create steps over an id whose file exists already (a create that failed after its link). */
const MAX_ID_SKIPS = 5;

/**
 * ReleaseStore over `DATA/releases/<id>.json`: one small file per release,
 * replaced whole (temp file, fsync, rename, fsync of the folder) on every
 * change, so a release is always one complete record. All of them are kept
 * in memory too (a coordinator has tens of releases, not thousands). Changes
 * run one at a time, so ids are handed out in order.
 */
export class JsonReleases implements ReleaseStore {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly dir: string,
    private readonly records: Map<string, ReleaseRecord>,
    private nextId: number,
  ) {}

  /** Reads every release; a file that cannot be used stops the start, naming it. */
  static async open(dataDir: string, log: (message: string) => void): Promise<JsonReleases> {
    const dir = join(dataDir, "releases");
    const names = await openRecordFolder(dir);
    const records = new Map<string, ReleaseRecord>();
    let highest = 0;
    for (const name of names.sort()) {
      if (TEMP_FILE.test(name)) {
        await unlink(join(dir, name)).catch(() => undefined);
        log(`removed ${join(dir, name)}: a release write cut short`);
        continue;
      }
      const id = RELEASE_FILE.exec(name)?.[1];
      if (id === undefined) continue;
      const path = join(dir, name);
      const content = await readDataFile(path);
      if (content === null) continue;
      const decoded = decodeReleaseFile(content, id);
      if (!decoded.ok)
        throw new DataDirError(
          `${path} is not a usable release task (${decoded.error}); restore it from your backup`,
        );
      records.set(id, decoded.value);
      highest = Math.max(highest, Number(id));
    }
    return new JsonReleases(dir, records, highest + 1);
  }

  create(make: (id: string) => ReleaseRecord): Promise<ReleaseRecord> {
    return this.serially(async () => {
      for (let skips = 0; ; skips += 1) {
        const id = String(this.nextId);
        const record = structuredClone(make(id));
        if (record.id !== id)
          throw new Error(`release record made for id ${id} has id ${record.id}`);
        try {
          // "create": an id's file is never overwritten by a new release.
          await writeFileDurably(this.pathOf(id), encodeReleaseFile(record), {
            mode: 0o600,
            existing: "create",
          });
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === "EEXIST" && skips < MAX_ID_SKIPS) {
            this.nextId += 1;
            continue;
          }
          throw new Error(
            `cannot save ${this.pathOf(id)} (${errorText(error)}); nothing was created`,
          );
        }
        this.nextId += 1;
        this.records.set(id, record);
        return structuredClone(record);
      }
    });
  }

  save(record: ReleaseRecord): Promise<void> {
    return this.serially(async () => {
      if (!this.records.has(record.id)) throw new Error(`no release task ${record.id} to save`);
      const copy = structuredClone(record);
      try {
        await writeFileDurably(this.pathOf(record.id), encodeReleaseFile(copy), {
          mode: 0o600,
          existing: "replace",
        });
      } catch (error) {
        throw new Error(
          `cannot save ${this.pathOf(record.id)} (${errorText(error)}); the release was not changed`,
        );
      }
      this.records.set(record.id, copy);
    });
  }

  async get(id: string): Promise<ReleaseRecord | undefined> {
    const record = this.records.get(id);
    return record === undefined ? undefined : structuredClone(record);
  }

  async list(): Promise<ReleaseRecord[]> {
    return [...this.records.values()]
      .sort((a, b) => Number(a.id) - Number(b.id))
      .map((record) => structuredClone(record));
  }

  private pathOf(id: string): string {
    return join(this.dir, `${id}.json`);
  }

  /** One change at a time; a failed one does not fail those queued after it. */
  private serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
