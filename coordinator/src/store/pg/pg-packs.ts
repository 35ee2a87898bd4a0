import { mkdir, rename } from "node:fs/promises";
import { join, resolve } from "node:path";
import { err, ok, type Result } from "@tillroll/protocol";
import type { ExtractLimits } from "@tillroll/protocol/node";
import semver from "semver";
import { describeError, fsyncDir } from "../../packs/pack-file.js";
import type { PackSource } from "../../packs/pack-http.js";
import { resolveLimits } from "../../packs/pack-inspect.js";
import { publishCheck, receivePack, removePublishLeftovers } from "../../packs/pack-publish.js";
import { isSha256, makePackRecord, type PackRecord, packKey } from "../../packs/pack-record.js";
import { PACKS_FOLDER, withdrawnText } from "../../packs/pack-store.js";
import type { PackRecords, PackRef } from "../pack-records.js";
import type { PgDatabase, Queryable } from "./pg-database.js";
import { SerialQueue } from "./serial-queue.js";

export interface PgPacksOptions {
  /** The coordinator's data folder: bytes live in `<dir>/packs/<sha256>.tgz`, as with JSON. */
  readonly dir: string;
  readonly limits?: Partial<ExtractLimits>;
  /** Parent of the folders a pack's descriptor is checked in; default `<dir>/packs`. */
  readonly tmpDir?: string;
  readonly now?: () => Date;
  readonly log: (message: string) => void;
}

/**
 * PackRecords with the records in the `packs` table and the bytes in the data folder's
 * packs/ as today (content-addressed files every replica reaches). Publishing copies and
 * checks the archive exactly as PackStore does, moves it to its final name, then inserts
 * the record; a file without a record is harmless (the same bytes again reuse it).
 */
export class PgPacks implements PackRecords {
  /** Publishes and withdrawals run one at a time ("is this version taken?" then "take it"). */
  private readonly queue = new SerialQueue();
  readonly packsDir: string;
  private readonly limits: ExtractLimits;
  private readonly tmpDir: string;
  private readonly now: () => Date;

  /** The records, mirrored in memory: agents' downloads look them up synchronously. */
  private readonly records = new Map<string, PackRecord>();
  /** Synchronous lookups for `/packs/<sha256>.tgz`. */
  readonly downloads: PackSource;
  /** The largest archive `publish` accepts, in bytes. */
  readonly maxBytes: number;
  /** Issue 14: tells the other replicas a pack was published or withdrawn. */
  private notify: (db: Queryable) => Promise<void> = async () => undefined;

  private constructor(
    private readonly db: PgDatabase,
    private readonly options: PgPacksOptions,
    records: readonly PackRecord[],
  ) {
    this.packsDir = resolve(options.dir, PACKS_FOLDER);
    this.limits = resolveLimits(options.limits);
    this.maxBytes = this.limits.maxBytes;
    this.tmpDir = options.tmpDir ?? this.packsDir;
    this.now = options.now ?? (() => new Date());
    for (const record of records) this.remember(record);
    this.downloads = {
      bySha256: (sha256) => this.findSha(sha256),
      filePath: (sha256) =>
        this.findSha(sha256) === undefined ? undefined : join(this.packsDir, `${sha256}.tgz`),
    };
  }

  /**
   * Issue 14 (replicas): `notify` tells the other replicas after each publish or
   * withdrawal; they read the records again (`refresh`): a pack published through one
   * replica is offered by the leader's runner and every replica's set-preferred.
   */
  notifyWith(notify: (db: Queryable) => Promise<void>): void {
    this.notify = notify;
  }

  /** Reads every record again (another replica published or withdrew one). */
  async refresh(): Promise<void> {
    const { rows } = await this.db.query<{ record: PackRecord }>("SELECT record FROM packs");
    this.records.clear();
    for (const { record } of rows) this.remember(record);
  }

  static async open(db: PgDatabase, options: PgPacksOptions): Promise<PgPacks> {
    resolveLimits(options.limits); // bad limits fail before anything is created
    const { rows } = await db.query<{ record: PackRecord }>("SELECT record FROM packs");
    const packs = new PgPacks(
      db,
      options,
      rows.map((r) => r.record),
    );
    await mkdir(packs.packsDir, { recursive: true });
    await packs.removeLeftovers();
    return packs;
  }

  /**
   * Removes the copies and check folders of publishes a crash interrupted, as PackStore
   * does. Replicas sharing packs/ would need this to spare another's publish under way
   * (by age, say); today one coordinator owns the folder.
   */
  private async removeLeftovers(): Promise<void> {
    await removePublishLeftovers(this.packsDir, this.options.log);
  }

  async publish(filePath: string): Promise<Result<PackRecord>> {
    return receivePack(
      filePath,
      { packsDir: this.packsDir, limits: this.limits, tmpDir: this.tmpDir, log: this.options.log },
      (incoming, descriptor, file) =>
        this.queue.run(async () => {
          const { name, version } = descriptor;
          await this.reload();
          const check = publishCheck([...this.records.values()], descriptor, file.sha256);
          if (!check.ok || check.value !== undefined) return check as Result<PackRecord>;
          await rename(incoming, join(this.packsDir, `${file.sha256}.tgz`));
          await fsyncDir(this.packsDir);
          const record = makePackRecord(descriptor, file, this.now());
          try {
            await this.db.query(
              "INSERT INTO packs (name, version, sha256, record) VALUES ($1, $2, $3, $4)",
              [name, version, record.sha256, JSON.stringify(record)],
            );
          } catch (error) {
            return err(`cannot record ${name} ${version} (${describeError(error)})`);
          }
          this.remember(record);
          await this.tellOthers();
          return ok(structuredClone(record));
        }),
    );
  }

  withdraw(ref: PackRef, by: string): Promise<Result<PackRecord>> {
    return this.queue.run(async () => {
      await this.reload();
      const record = this.records.get(packKey(ref.name, ref.version));
      if (record === undefined) {
        const known = (await this.list(ref.name)).map((r) => r.version);
        return err(
          `no published pack ${ref.name} ${ref.version}${known.length === 0 ? ` (no version of ${ref.name} is published)` : ` (published: ${known.join(", ")})`}`,
        );
      }
      if (record.withdrawnAt !== undefined) return err(`${withdrawnText(record)}; nothing changed`);
      const withdrawn: PackRecord = {
        ...record,
        withdrawnAt: this.now().toISOString(),
        withdrawnBy: by,
      };
      try {
        await this.db.query("UPDATE packs SET record = $3 WHERE name = $1 AND version = $2", [
          ref.name,
          ref.version,
          JSON.stringify(withdrawn),
        ]);
      } catch (error) {
        return err(
          `cannot record the withdrawal of ${ref.name} ${ref.version} (${describeError(error)})`,
        );
      }
      this.remember(withdrawn);
      await this.tellOthers();
      return ok(structuredClone(withdrawn));
    });
  }

  /**
   * Issue 14: every async read reads the records again first (packs are few), so it
   * never answers before another replica's notice arrived: the release planner of a
   * new leader found no 1.1.0 pack published on the old one and skipped every row
   * ("not allowed from 1.0.0").
   */
  private reload(): Promise<void> {
    return this.refresh();
  }

  async list(name?: string): Promise<PackRecord[]> {
    await this.reload();
    return [...this.records.values()]
      .filter((record) => name === undefined || record.name === name)
      .sort((a, b) =>
        a.name === b.name ? semver.rcompare(a.version, b.version) : a.name < b.name ? -1 : 1,
      )
      .map((record) => structuredClone(record));
  }

  async get(ref: PackRef): Promise<PackRecord | undefined> {
    await this.reload();
    const record = this.records.get(packKey(ref.name, ref.version));
    return record === undefined ? undefined : structuredClone(record);
  }

  async bySha256(sha256: string): Promise<PackRecord | undefined> {
    await this.reload();
    const record = this.findSha(sha256);
    return record === undefined ? undefined : structuredClone(record);
  }

  private findSha(sha256: string): PackRecord | undefined {
    if (!isSha256(sha256)) return undefined;
    for (const record of this.records.values()) if (record.sha256 === sha256) return record;
    // Perhaps published on another replica: known to the next download (agents retry).
    this.reload().catch(() => undefined);
    return undefined;
  }

  /** After the change is stored: a lost notice leaves another replica's list stale, not wrong. */
  private async tellOthers(): Promise<void> {
    await this.notify(this.db).catch((error: unknown) =>
      this.options.log(`packs: other replicas not told (${describeError(error)})`),
    );
  }

  private remember(record: PackRecord): void {
    this.records.set(packKey(record.name, record.version), record);
  }
}
