// The coordinator's store of published function packs.
//
// Layout: `<dir>/packs/<sha256>.tgz` holds the bytes, `<dir>/packs/index.json` (a
// DurableJsonFile, schema version 1) maps function name + version to a PackRecord. Files are
// content-addressed, so a stored file never changes; versions are immutable, so a record never
// changes either, except for being withdrawn (withdrawnAt/withdrawnBy set once).
//
// Publishing copies the archive into the store folder while hashing it, then checks that very
// copy as an agent will (entry rules and caps, descriptor; see pack-inspect.ts), so the checked bytes, the hashed bytes
// and the served bytes are the same bytes even if the source file changes meanwhile. Only
// then is the copy renamed to its final name and the index written. A refused pack leaves
// nothing behind.
//
// One PackStore per folder: opening removes the temp files of interrupted publishes, which
// would include another instance's publish in progress.

import { randomBytes } from "node:crypto";
import { mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { err, type FunctionPackDescriptor, ok, type Result } from "@tillroll/protocol";
import { type ExtractLimits, openDurableDb } from "@tillroll/protocol/node";
import type { Low } from "lowdb";
import semver from "semver";
import {
  type CopiedFile,
  copyHashed,
  describeError,
  fsyncDir,
  removeIfPresent,
} from "./pack-file.js";
import {
  CHECK_FOLDER_PREFIX,
  inspectPack,
  maxArchiveBytes,
  resolveLimits,
} from "./pack-inspect.js";
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
/** Temp copies of archives being published; never the index's own temp names. */
const INCOMING_PREFIX = ".incoming-";

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
    const suffix = `${process.pid}-${randomBytes(6).toString("hex")}.tgz`;
    const incoming = join(this.packsDir, `${INCOMING_PREFIX}${suffix}`);
    try {
      const copied = await copyHashed(resolve(filePath), incoming, maxArchiveBytes(this.limits));
      if (!copied.ok) return copied;
      const checked = await inspectPack(incoming, {
        limits: this.limits,
        tmpDir: this.#tmpDir,
        log: this.#log,
      });
      if (!checked.ok) return checked;
      return await this.#exclusive(() => this.#commit(incoming, checked.value, copied.value));
    } catch (error) {
      return err(`cannot publish ${filePath}: ${describeError(error)}`);
    } finally {
      await removeIfPresent(incoming).catch((error: unknown) =>
        this.#log(`cannot remove ${incoming}: ${describeError(error)}`),
      );
    }
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
    const existing = this.#find(name, version);
    if (existing !== undefined) {
      if (existing.sha256 === file.sha256) return ok(structuredClone(existing));
      return err(
        `${name} ${version} is already published with sha256 ${existing.sha256}; versions are immutable, publish a new version`,
      );
    }
    // 1.1.0+a and 1.1.0+b are the same version to semver (and to allowedVersions).
    const twin = this.#db.data.packs.find((r) => r.name === name && semver.eq(r.version, version));
    if (twin !== undefined) {
      return err(
        `${name} ${version}: ${twin.version} is already published and differs only in build metadata; versions are immutable, publish a new version`,
      );
    }
    const sameBytes = this.#findSha(file.sha256);
    if (sameBytes !== undefined) {
      // Impossible with a consistent index: the descriptor is part of the bytes.
      return err(
        `sha256 ${file.sha256} is already stored as ${sameBytes.name} ${sameBytes.version}`,
      );
    }

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
    for (const entry of await readdir(this.packsDir)) {
      if (!entry.startsWith(INCOMING_PREFIX) && !entry.startsWith(CHECK_FOLDER_PREFIX)) continue;
      const file = join(this.packsDir, entry);
      try {
        await rm(file, { recursive: true, force: true });
        this.#log(`${file}: removed the copy left by an interrupted publish`);
      } catch (error) {
        this.#log(`${file}: cannot remove leftover copy: ${describeError(error)}`);
      }
    }
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
