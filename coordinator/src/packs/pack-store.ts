import { mkdir, rename, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { err, type FunctionPackDescriptor, ok, type Result } from "@tillroll/protocol";
import { type ExtractLimits, openDurableDb } from "@tillroll/protocol/node";
import type { Low } from "lowdb";
import semver from "semver";
import { type CopiedFile, describeError, fsyncDir } from "./pack-file.js";
import { resolveLimits } from "./pack-inspect.js";
import { publishCheck, receivePack, removePublishLeftovers } from "./pack-publish.js";
import {
  isSha256,
  makePackRecord,
  PACK_INDEX_SCHEMA_VERSION,
  type PackIndex,
  type PackRecord,
  parsePackIndex,
} from "./pack-record.js";

export const PACKS_FOLDER = "packs";
export const PACK_INDEX_FILE = "index.json";

export interface PackStoreOptions {
  /** Coordinator data folder; the store lives in `<dir>/packs/` (created if missing). */
  dir: string;
  /** Caps for the safe extraction check; default 2 GiB / 100,000 entries. */
  limits?: Partial<ExtractLimits>;
  /** Parent of the small folders a pack's descriptor is checked in; default `<dir>/packs`. */
  tmpDir?: string;
  /** Clock for `publishedAt`. */
  now?: () => Date;
  /** Told about crash leftovers, index fallbacks and missing files. */
  log?: (msg: string) => void;
}

export class PackStore {
  /** `<dir>/packs`, absolute. */
  readonly packsDir: string;
  readonly limits: Readonly<ExtractLimits>;
  readonly #db: Low<PackIndex>;
  readonly #tmpDir: string;
  readonly #now: () => Date;
  readonly #log: (msg: string) => void;
  /** Commits run one at a time, so "is this version taken?" and "take it" cannot interleave. */
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(packsDir: string, db: Low<PackIndex>, options: PackStoreOptions) {
    this.packsDir = packsDir;
    this.#db = db;
    this.limits = Object.freeze(resolveLimits(options.limits));
    this.#tmpDir = options.tmpDir ?? packsDir;
    this.#now = options.now ?? (() => new Date());
    this.#log = options.log ?? (() => {});
  }

  /** Opens (creating the folder if needed) the store; throws if the index is unusable. */
  static async open(options: PackStoreOptions): Promise<PackStore> {
    resolveLimits(options.limits); // bad limits fail before anything is created
    const packsDir = resolve(options.dir, PACKS_FOLDER);
    await mkdir(packsDir, { recursive: true });
    const db = await openDurableDb<PackIndex>({
      path: join(packsDir, PACK_INDEX_FILE),
      schemaVersion: PACK_INDEX_SCHEMA_VERSION,
      validate: parsePackIndex,
      defaults: { packs: [] },
      ...(options.log === undefined ? {} : { log: options.log }),
    });
    const store = new PackStore(packsDir, db, options);
    await store.#removeIncomingLeftovers();
    await store.#reportMissingFiles();
    return store;
  }

  /**
   * Checks the archive at `filePath` as an agent will and stores it. Publishing the same bytes
   * again returns the existing record; other bytes for a published version are refused.
   * Never throws; a refused pack changes nothing in the store.
   */
  async publish(filePath: string): Promise<Result<PackRecord>> {
    return receivePack(
      filePath,
      { packsDir: this.packsDir, limits: this.limits, tmpDir: this.#tmpDir, log: this.#log },
      (incoming, descriptor, file) =>
        this.#exclusive(() => this.#commit(incoming, descriptor, file)),
    );
  }

  /** Published packs (of function `name`, if given): by name, then newest version first. */
  list(name?: string): PackRecord[] {
    return this.#db.data.packs
      .filter((record) => name === undefined || record.name === name)
      .sort((a, b) =>
        a.name === b.name ? semver.rcompare(a.version, b.version) : a.name < b.name ? -1 : 1,
      )
      .map((record) => structuredClone(record));
  }

  get(name: string, version: string): PackRecord | undefined {
    const record = this.#find(name, version);
    return record === undefined ? undefined : structuredClone(record);
  }

  bySha256(sha256: string): PackRecord | undefined {
    const record = this.#findSha(sha256);
    return record === undefined ? undefined : structuredClone(record);
  }

  /** Where the bytes of a published pack are; undefined when no published pack has this hash. */
  filePath(sha256: string): string | undefined {
    return this.#findSha(sha256) === undefined ? undefined : this.#fileOf(sha256);
  }

  /**
   * Marks `name` `version` withdrawn, durably: no new request may name it (the operations
   * check `withdrawnAt`). The file stays in the store and downloadable, for agents that are
   * mid-install and for rows already running it. Refuses an unknown or already withdrawn pack.
   */
  withdraw(name: string, version: string, by: string): Promise<Result<PackRecord>> {
    return this.#exclusive(async () => {
      const record = this.#find(name, version);
      if (record === undefined) {
        const known = this.list(name).map((r) => r.version);
        return err(
          `no published pack ${name} ${version}${known.length === 0 ? ` (no version of ${name} is published)` : ` (published: ${known.join(", ")})`}`,
        );
      }
      if (record.withdrawnAt !== undefined) return err(`${withdrawnText(record)}; nothing changed`);
      const withdrawn: PackRecord = {
        ...record,
        withdrawnAt: this.#now().toISOString(),
        withdrawnBy: by,
      };
      const before = this.#db.data.packs;
      this.#db.data.packs = before.map((r) => (r === record ? withdrawn : r));
      try {
        await this.#db.write();
      } catch (error) {
        this.#db.data.packs = before;
        return err(`cannot record the withdrawal of ${name} ${version} (${describeError(error)})`);
      }
      return ok(structuredClone(withdrawn));
    });
  }

  async #commit(
    incoming: string,
    descriptor: FunctionPackDescriptor,
    file: CopiedFile,
  ): Promise<Result<PackRecord>> {
    const { name, version } = descriptor;
    const check = publishCheck(this.#db.data.packs, descriptor, file.sha256);
    if (!check.ok || check.value !== undefined) return check as Result<PackRecord>;

    // A file of this name may be left by a crash between rename and index write: same bytes.
    await rename(incoming, this.#fileOf(file.sha256));
    await fsyncDir(this.packsDir);
    const record = makePackRecord(descriptor, file, this.#now());
    const before = this.#db.data.packs;
    this.#db.data.packs = [...before, record];
    try {
      await this.#db.write();
    } catch (error) {
      // The stored file stays: unindexed it is harmless, and the failed write may have landed.
      this.#db.data.packs = before;
      return err(`cannot record ${name} ${version} in the pack index (${describeError(error)})`);
    }
    return ok(structuredClone(record));
  }

  #exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => {});
    return run;
  }

  #find(name: string, version: string): PackRecord | undefined {
    return this.#db.data.packs.find((r) => r.name === name && r.version === version);
  }

  #findSha(sha256: string): PackRecord | undefined {
    if (!isSha256(sha256)) return undefined;
    return this.#db.data.packs.find((r) => r.sha256 === sha256);
  }

  #fileOf(sha256: string): string {
    return join(this.packsDir, `${sha256}.tgz`);
  }

  /** Copies and descriptor check folders of publishes interrupted by a crash. */
  async #removeIncomingLeftovers(): Promise<void> {
    await removePublishLeftovers(this.packsDir, this.#log);
  }

  async #reportMissingFiles(): Promise<void> {
    for (const record of this.#db.data.packs) {
      const file = this.#fileOf(record.sha256);
      const st = await stat(file).catch(() => undefined);
      if (st?.isFile() === true && st.size === record.size) continue;
      const what = st === undefined ? "is missing" : `is not the ${record.size}-byte pack file`;
      this.#log(`${file} (${record.name} ${record.version}) ${what}; it cannot be served`);
    }
  }
}

/** "pos-client 1.2.0 was withdrawn on 2026-11-21T09:30:00.000Z by operator@127.0.0.1". */
export function withdrawnText(record: PackRecord): string {
  return `${record.name} ${record.version} was withdrawn on ${record.withdrawnAt ?? "?"} by ${record.withdrawnBy ?? "?"}`;
}
