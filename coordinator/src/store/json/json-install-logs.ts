import { mkdir, open, readdir, readFile, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { FUNCTION_NAME_PATTERN, ID_PATTERN, type InstallLogLine } from "@tillroll/protocol";
import { fsyncDir } from "../../files/durable-file.js";
import {
  DEFAULT_INSTALL_LOG_RETENTION,
  type InstallLogQuery,
  type InstallLogRetention,
  type InstallLogRow,
  type InstallLogStore,
  type StoredLogLine,
} from "../install-log-store.js";

/** Rows whose dedupe keys stay in memory; another row is read back from its file when written. */
const CACHED_ROWS = 200;
const DAY_MS = 86_400_000;

/** What one line of a row file holds: the answer's fields plus when the coordinator kept it. */
interface FileLine extends StoredLogLine {
  /** Coordinator clock (ms) when kept: retention by days counts from it, not the till's clock. */
  readonly kept: number;
}

interface RowState {
  readonly path: string;
  /** `seq:ts` of every line in the file: a re-sent line is the same seq with the same ts. */
  readonly keys: Set<string>;
  /** Lines in the file (kept and not yet written). */
  count: number;
  lastN: number;
  /** A crash may leave a torn last line: the next write starts on a fresh line. */
  needsNewline: boolean;
  pending: { text: string; key: string; done: (error?: Error) => void }[];
  writing: Promise<void> | null;
  /** The sweep asked for a rewrite by retention (done by the writer, between batches). */
  sweepDue: boolean;
}

export interface JsonInstallLogsOptions {
  dir: string;
  retention?: Partial<InstallLogRetention>;
  now: () => number;
  log: (message: string) => void;
}

/**
 * InstallLogStore over `DATA/install-logs/<store>/<workstation>/<function>.jsonl`:
 * one JSON line per kept line, appended and fsync'd before `append` answers
 * (lines arriving together share one write and one fsync). A file past twice
 * its line limit is rewritten with the lines retention keeps (temp file,
 * fsync, rename). A torn or unreadable line (a crash mid-write) is skipped.
 */
export class JsonInstallLogs implements InstallLogStore {
  /** Map order: least recently used first, so the stalest row leaves the cache first. */
  private readonly rows = new Map<string, Promise<RowState>>();
  /** When each cached row was last asked for (a counter): eviction leaves a row used since. */
  private readonly usedAt = new Map<string, number>();
  private uses = 0;
  private readonly retention: InstallLogRetention;

  constructor(private readonly options: JsonInstallLogsOptions) {
    this.retention = { ...DEFAULT_INSTALL_LOG_RETENTION, ...options.retention };
  }

  private pathOf(row: InstallLogRow): string {
    if (!ID_PATTERN.test(row.store) || !ID_PATTERN.test(row.workstation))
      throw new Error(`install log: bad workstation id ${row.store}/${row.workstation}`);
    if (!FUNCTION_NAME_PATTERN.test(row.function))
      throw new Error(`install log: bad function name ${JSON.stringify(row.function)}`);
    return join(this.options.dir, row.store, row.workstation, `${row.function}.jsonl`);
  }

  async append(row: InstallLogRow, line: InstallLogLine): Promise<boolean> {
    const state = await this.rowState(row);
    const key = `${line.seq}:${line.ts}`;
    if (state.keys.has(key)) return false;
    state.keys.add(key);
    state.lastN += 1;
    state.count += 1;
    const kept: FileLine = {
      n: state.lastN,
      seq: line.seq,
      at: line.ts,
      requestId: line.requestId,
      level: line.level,
      source: line.source,
      stream: line.stream,
      text: line.line,
      kept: this.options.now(),
    };
    await new Promise<void>((resolve, reject) => {
      state.pending.push({
        text: `${JSON.stringify(kept)}\n`,
        key,
        done: (error) => (error === undefined ? resolve() : reject(error)),
      });
      if (state.writing === null) state.writing = this.writeLoop(state);
    });
    return true;
  }

  /**
   * Writes what is pending, one batch (one fsync) at a time, and compacts
   * when due: the one writer of a row's file, so a rewrite never races an append.
   */
  private async writeLoop(state: RowState): Promise<void> {
    while (state.pending.length > 0 || state.sweepDue) {
      if (state.pending.length === 0) {
        state.sweepDue = false;
        await this.compactQuietly(state);
        continue;
      }
      const batch = state.pending.splice(0);
      try {
        await mkdir(dirname(state.path), { recursive: true });
        const handle = await open(state.path, "a", 0o600);
        try {
          const text = batch.map((entry) => entry.text).join("");
          await handle.write(state.needsNewline ? `\n${text}` : text);
          state.needsNewline = false;
          await handle.datasync();
        } finally {
          await handle.close();
        }
      } catch (error) {
        // Not kept: the agent gets no acknowledgement and sends these lines again.
        for (const entry of batch) {
          state.keys.delete(entry.key);
          state.count -= 1;
          entry.done(error as Error);
        }
        state.needsNewline = true;
        continue;
      }
      // Kept: a failed rewrite afterwards leaves the longer file, not a lost line.
      if (state.count >= 2 * this.retention.linesPerRow) await this.compactQuietly(state);
      for (const entry of batch) entry.done();
    }
    state.writing = null;
  }

  private async compactQuietly(state: RowState): Promise<void> {
    await this.compact(state).catch((error: Error) =>
      this.options.log(`install log ${state.path} not compacted: ${error.message}`),
    );
  }

  /**
   * Applies the retention by days to every row file (rows no line reaches
   * any more too); the coordinator runs it at start and every few hours.
   * Answers how many files it looked at.
   */
  async sweep(): Promise<number> {
    let files = 0;
    for (const store of await readdirIfAny(this.options.dir))
      for (const workstation of await readdirIfAny(join(this.options.dir, store)))
        for (const name of await readdirIfAny(join(this.options.dir, store, workstation))) {
          if (!name.endsWith(".jsonl")) continue;
          const row = { store, workstation, function: name.slice(0, -".jsonl".length) };
          let state: RowState;
          try {
            state = await this.rowState(row);
          } catch {
            continue; // not a row file of ours (a bad name): left alone
          }
          files += 1;
          state.sweepDue = true;
          if (state.writing === null) state.writing = this.writeLoop(state);
          await state.writing;
        }
    return files;
  }

  /** Rewrites the file with only what retention keeps. */
  private async compact(state: RowState): Promise<void> {
    const all = await readLines(state.path);
    const lines = this.retained(all);
    if (lines.length === all.length && lines.length === state.count) return; // nothing to drop
    const temp = `${state.path}.tmp`;
    const handle = await open(temp, "w", 0o600);
    try {
      await handle.write(lines.map((line) => `${JSON.stringify(line)}\n`).join(""));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, state.path);
    await fsyncDir(dirname(state.path));
    state.keys.clear();
    for (const line of lines) state.keys.add(`${line.seq}:${line.at}`);
    // Lines that arrived during the rewrite are not in the file yet, but are kept.
    for (const entry of state.pending) state.keys.add(entry.key);
    state.count = lines.length + state.pending.length;
  }

  /** The lines retention keeps: younger than `days`, the last `linesPerRow` of them. */
  private retained(lines: FileLine[]): FileLine[] {
    const since = this.options.now() - this.retention.days * DAY_MS;
    const young = lines.filter((line) => line.kept >= since);
    return young.slice(Math.max(0, young.length - this.retention.linesPerRow));
  }

  async read(
    row: InstallLogRow,
    query: InstallLogQuery = {},
  ): Promise<{ lines: StoredLogLine[]; next: number }> {
    const all = this.retained(await readLines(this.pathOf(row)));
    const after = query.after ?? 0;
    const next = Math.max(after, all.at(-1)?.n ?? 0);
    const lines = all
      .filter((line) => line.n > after)
      .filter((line) => query.requestId === undefined || line.requestId === query.requestId)
      .map(({ kept: _kept, ...line }) => line);
    return { lines, next };
  }

  async forgetWorkstation(store: string, workstation: string): Promise<void> {
    const prefix = join(this.options.dir, store, workstation);
    for (const [key, state] of [...this.rows]) {
      if (!key.startsWith(`${prefix}/`)) continue;
      this.rows.delete(key);
      this.usedAt.delete(key);
      const loaded = await state.catch(() => null);
      await loaded?.writing;
    }
    await rm(prefix, { recursive: true, force: true });
  }

  async close(): Promise<void> {
    for (const state of this.rows.values()) await (await state.catch(() => null))?.writing;
  }

  private rowState(row: InstallLogRow): Promise<RowState> {
    const path = this.pathOf(row);
    let state = this.rows.get(path);
    if (state === undefined) {
      state = this.load(path);
      // A failed read is not cached: the next line tries again.
      const loading = state;
      loading.catch(() => {
        if (this.rows.get(path) === loading) this.rows.delete(path);
      });
    } else {
      this.rows.delete(path);
    }
    this.rows.set(path, state);
    this.uses += 1;
    this.usedAt.set(path, this.uses);
    this.evict();
    return state;
  }

  /**
   * Drops idle rows beyond CACHED_ROWS. A row still writing, or asked for
   * again meanwhile, stays: two states of one file would write it twice.
   */
  private evict(): void {
    if (this.rows.size <= CACHED_ROWS) return;
    for (const path of [...this.rows.keys()].slice(0, this.rows.size - CACHED_ROWS)) {
      const state = this.rows.get(path);
      const used = this.usedAt.get(path);
      const drop = () => {
        if (this.rows.get(path) !== state || this.usedAt.get(path) !== used) return;
        this.rows.delete(path);
        this.usedAt.delete(path);
      };
      void state?.then((loaded) => {
        if (loaded.writing === null && loaded.pending.length === 0) drop();
      }, drop);
    }
  }

  private async load(path: string): Promise<RowState> {
    const text = await readText(path);
    const lines = parseLines(text);
    return {
      path,
      keys: new Set(lines.map((line) => `${line.seq}:${line.at}`)),
      count: lines.length,
      lastN: lines.reduce((max, line) => Math.max(max, line.n), 0),
      needsNewline: text.length > 0 && !text.endsWith("\n"),
      pending: [],
      writing: null,
      sweepDue: false,
    };
  }
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "";
    throw error;
  }
}

async function readdirIfAny(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

async function readLines(path: string): Promise<FileLine[]> {
  return parseLines(await readText(path));
}

/** The whole lines of a row file; a torn or unreadable one (a crash mid-write) is skipped. */
export function parseLines(text: string): FileLine[] {
  const lines: FileLine[] = [];
  for (const raw of text.split("\n")) {
    if (raw.trim() === "") continue;
    try {
      const line = JSON.parse(raw) as FileLine;
      if (typeof line.n === "number" && typeof line.seq === "number" && typeof line.at === "string")
        lines.push(line);
    } catch {
      // torn by a crash: skipped
    }
  }
  return lines;
}
