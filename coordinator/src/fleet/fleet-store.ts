import { type FileHandle, open, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { DurableJsonFile } from "@tillroll/protocol/node";
import { fsyncDir } from "../packs/pack-file.js";
import { DataDirError, errorText } from "../setup/data-dir-error.js";
import { FleetTable } from "./fleet-table.js";
import { rowKey, type ServiceRow, validateRow, validateRows } from "./service-row.js";

/** How long row changes are gathered before one append to the journal. */
const COALESCE_MS = 200;

/** Rows serialised per slice of a snapshot; between slices the event loop serves MQTT and HTTP. */
const ROWS_PER_SLICE = 1000;

/** A snapshot is taken once the journal holds this many rows, or half the table if more. */
const MIN_JOURNAL_ROWS = 20_000;

interface Snapshot {
  /** The journal generation that continues this snapshot: `fleet-<generation>.log`. */
  generation: number;
  rows: ServiceRow[];
}

/**
 * The snapshot `{"schemaVersion":2,"data":{"generation":G,"rows":[...]}}` in
 * slices, yielding between them: one JSON.stringify of 100,000 rows would
 * stall status ingestion and the console for hundreds of milliseconds.
 */
async function* serializeSnapshot(
  schemaVersion: number,
  snapshot: Snapshot,
): AsyncIterable<string> {
  yield `{"schemaVersion":${schemaVersion},"data":{"generation":${snapshot.generation},"rows":[`;
  const { rows } = snapshot;
  for (let start = 0; start < rows.length; start += ROWS_PER_SLICE) {
    const slice = rows.slice(start, start + ROWS_PER_SLICE).map((row) => JSON.stringify(row));
    yield `${start === 0 ? "" : ","}${slice.join(",")}`;
    await new Promise((resolve) => setImmediate(resolve));
  }
  yield "]}}\n";
}

const journalName = (generation: number) => `fleet-${generation}.log`;
const JOURNAL_PATTERN = /^fleet-(\d+)\.log$/;

/**
 * The fleet table on disk: a snapshot (`DIR/fleet.json`, crash-safe) plus an
 * append-only journal of changed rows (`DIR/fleet-<generation>.log`, fsync'd
 * per coalesced batch). A status storm appends a few kilobytes instead of
 * rewriting 100,000 rows; once the journal is long, a new snapshot is written
 * in slices and the old journal dropped. On start the snapshot is read and
 * its journals replayed. A report not yet appended when the coordinator
 * dies is not lost: agents publish their whole status on reconnect.
 */
export class FleetStore {
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private readonly dirty = new Set<string>();
  private journal: FileHandle | null = null;
  private journalRows = 0;
  private compacting = false;

  private constructor(
    readonly table: FleetTable,
    private readonly dir: string,
    private readonly file: DurableJsonFile<Snapshot>,
    private generation: number,
    private readonly log: (message: string) => void,
  ) {}

  static async open(dir: string, log: (message: string) => void): Promise<FleetStore> {
    const file = new DurableJsonFile<Snapshot>({
      path: join(dir, "fleet.json"),
      schemaVersion: 2,
      validate: (raw) => {
        const data = raw as { generation?: unknown; rows?: unknown };
        if (typeof data?.generation !== "number") throw new Error("generation: expected number");
        const rows = validateRows(data.rows);
        if (!rows.ok) throw new Error(rows.error);
        return { generation: data.generation, rows: rows.value };
      },
      // Version 1 was the rows alone, with no journal.
      migrate: (from, raw) => (from === 1 ? { generation: 0, rows: raw } : raw),
      log,
      mode: 0o600,
      serialize: serializeSnapshot,
      // Every row was validated when it was made (from a checked status
      // document or operator action); read() validates the whole file again.
      verifyOnWrite: false,
    });
    const stored = await file.read().catch((error: unknown) => {
      throw new DataDirError(`${errorText(error)}; restore it from your backup`);
    });
    const snapshot = stored ?? { generation: 0, rows: [] };
    const table = FleetTable.fromRows(snapshot.rows);
    const store = new FleetStore(table, dir, file, snapshot.generation, log);
    await store.replay(snapshot.generation);
    return store;
  }

  /** Applies the journals of this snapshot and later ones; older ones are leftovers of a compaction. */
  private async replay(generation: number): Promise<void> {
    const journals = (await readdir(this.dir))
      .map((name) => ({ name, generation: Number(JOURNAL_PATTERN.exec(name)?.[1] ?? Number.NaN) }))
      .filter((j) => Number.isInteger(j.generation))
      .sort((a, b) => a.generation - b.generation);
    for (const journal of journals) {
      const path = join(this.dir, journal.name);
      if (journal.generation < generation) {
        await rm(path, { force: true });
        continue;
      }
      let applied = 0;
      for (const line of (await readFile(path, "utf8")).split("\n")) {
        if (line.trim() === "") continue;
        let parsed: unknown;
        try {
          parsed = JSON.parse(line);
        } catch {
          this.log(`${journal.name}: a torn line (crash while appending) skipped`);
          continue;
        }
        const removed = removedKey(parsed);
        if (removed !== undefined) {
          this.table.delete(removed);
          applied += 1;
          continue;
        }
        const row = validateRow(parsed);
        if (!row.ok) {
          this.log(`${journal.name}: a row refused: ${row.error}`);
          continue;
        }
        this.table.upsert(row.value);
        applied += 1;
      }
      this.journalRows += applied;
      this.generation = Math.max(this.generation, journal.generation);
    }
  }

  /** Changes rows now; they reach the journal with the next coalesced append (status reports). */
  upsert(rows: Iterable<ServiceRow>): void {
    for (const row of rows) {
      this.table.upsert(row);
      this.dirty.add(rowKey(row));
    }
    this.schedule();
  }

  /**
   * Changes rows and resolves once they are in the journal, fsync'd: for
   * operator actions, whose success answer promises the rows survive a
   * crash. One append however many rows (10,000 rows are a few MB), no
   * snapshot. Rows already waiting for the coalesced append go along.
   * Rejects if the append fails; the rows stay queued for the next one.
   */
  upsertDurably(rows: Iterable<ServiceRow>): Promise<void> {
    for (const row of rows) {
      this.table.upsert(row);
      this.dirty.add(rowKey(row));
    }
    return this.appendDirty();
  }

  /**
   * Removes rows (those of a removed workstation) and resolves once the removal is in the
   * journal, fsync'd, as a `{"removed": key}` line. Rejects if the append fails; the rows are
   * then gone from memory only, and come back on the next start.
   */
  removeDurably(keys: Iterable<string>): Promise<void> {
    const removed = [...keys].filter((key) => this.table.delete(key));
    for (const key of removed) this.dirty.delete(key);
    if (removed.length === 0) return Promise.resolve();
    const run = this.writing.then(() =>
      this.appendLines(removed.map((key) => JSON.stringify({ removed: key }))),
    );
    this.writing = run.catch((error: Error) => {
      this.log(`fleet journal write failed: ${error.message}`);
    });
    return run;
  }

  private schedule(): void {
    if (this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, COALESCE_MS);
  }

  /** Appends every changed row to the journal (and waits); a failure is logged, the rows retried later. */
  flush(): Promise<void> {
    return this.appendDirty().catch(() => undefined);
  }

  /** Appends every changed row to the journal; rejects if that fails (the rows stay queued). */
  private appendDirty(): Promise<void> {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const keys = [...this.dirty];
    this.dirty.clear();
    const run = this.writing.then(() => this.append(keys));
    this.writing = run.catch((error: Error) => {
      // Not written: mark them again so the next append retries them.
      for (const key of keys) this.dirty.add(key);
      this.log(`fleet journal write failed: ${error.message}`);
    });
    return run;
  }

  private async append(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    const lines: string[] = [];
    for (const key of keys) {
      const row = this.table.get(key);
      if (row !== undefined) lines.push(JSON.stringify(row));
    }
    await this.appendLines(lines);
  }

  private async appendLines(lines: string[]): Promise<void> {
    if (lines.length === 0) return;
    const path = join(this.dir, journalName(this.generation));
    if (this.journal === null) {
      this.journal = await open(path, "a", 0o600);
      // A new journal's name must survive a power cut as well as its contents.
      await fsyncDir(this.dir);
    }
    const journal = this.journal;
    const { size } = await journal.stat();
    try {
      await journal.writeFile(`${lines.join("\n")}\n`);
      await journal.datasync();
    } catch (error) {
      // A part-written batch (disk full) would glue the next batch onto a torn
      // line, losing it on replay: cut the journal back to the last whole batch.
      await journal.truncate(size).catch(() => undefined);
      throw new Error(`cannot append to ${path} (${errorText(error)})`);
    }
    this.journalRows += lines.length;
    if (!this.compacting && this.journalRows > Math.max(MIN_JOURNAL_ROWS, this.table.size / 2)) {
      this.compacting = true;
      void this.compact().finally(() => {
        this.compacting = false;
      });
    }
  }

  /**
   * New journal generation first, so changes made while the snapshot is
   * written land in it; then the snapshot (which already holds everything in
   * the old journal); then the old journal goes. A crash anywhere in between
   * replays both journals over the older snapshot.
   */
  private async compact(): Promise<void> {
    const old = this.generation;
    const previous = this.journal;
    this.generation = old + 1;
    this.journal = null;
    this.journalRows = 0;
    await previous?.close();
    try {
      await this.file.write({ generation: this.generation, rows: this.table.all() });
      await rm(join(this.dir, journalName(old)), { force: true });
    } catch (error) {
      this.log(
        `fleet snapshot failed (the journals still hold every change): ${(error as Error).message}`,
      );
    }
  }

  /** Waits for pending writes and closes the journal. */
  async close(): Promise<void> {
    await this.flush();
    await this.journal?.close();
    this.journal = null;
  }
}

/** The row key of a journal line recording a removal (`{"removed": key}`), if it is one. */
function removedKey(line: unknown): string | undefined {
  if (typeof line !== "object" || line === null || Array.isArray(line)) return undefined;
  const { removed } = line as { removed?: unknown };
  return typeof removed === "string" && Object.keys(line).length === 1 ? removed : undefined;
}
