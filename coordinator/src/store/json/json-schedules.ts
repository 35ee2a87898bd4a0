import { readdir, unlink } from "node:fs/promises";
import { join } from "node:path";
import { writeFileDurably } from "../../files/durable-file.js";
import type {
  Blackout,
  StoreSetting,
  WindowSetting,
  WindowSubject,
} from "../../schedules/schedule-model.js";
import {
  EMPTY_SCHEDULES,
  type OwedNotice,
  type ScheduleState,
  sameSubject,
} from "../../schedules/schedule-state.js";
import { DataDirError, errorText } from "../../setup/data-dir-error.js";
import type { ScheduleStore } from "../schedule-store.js";
import { readDataFile } from "./data-files.js";
import { decodeScheduleFile, encodeScheduleFile } from "./schedule-file.js";

/**
 * ScheduleStore over `DATA/schedules.json` (mode 600): one small file,
 * replaced whole (temp file, fsync, rename, fsync of the folder) on every
 * change, and kept in memory. A change is made on a copy and becomes the
 * state only once the file is written: a failed write changes nothing.
 * Changes run one at a time.
 */
export class JsonSchedules implements ScheduleStore {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly path: string,
    private state: ScheduleState,
  ) {}

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

  setWindow(setting: WindowSetting): Promise<ScheduleState> {
    return this.change((state) => ({
      ...state,
      windows: [...state.windows.filter((w) => !sameSubject(w.subject, setting.subject)), setting],
    }));
  }

  async removeWindow(
    subject: WindowSubject,
  ): Promise<{ removed: WindowSetting | null; state: ScheduleState }> {
    let removed: WindowSetting | null = null;
    const state = await this.change((current) => {
      removed = current.windows.find((w) => sameSubject(w.subject, subject)) ?? null;
      if (removed === null) return null;
      return { ...current, windows: current.windows.filter((w) => w !== removed) };
    });
    return { removed: structuredClone(removed), state };
  }

  setStore(setting: StoreSetting): Promise<ScheduleState> {
    return this.change((state) => {
      const others = state.stores.filter((s) => s.store !== setting.store);
      const empty = setting.tz === null && setting.contact === null;
      return { ...state, stores: empty ? others : [...others, setting] };
    });
  }

  async addBlackout(
    make: (id: string) => Blackout,
    owe?: (blackout: Blackout) => OwedNotice,
  ): Promise<{ blackout: Blackout; state: ScheduleState }> {
    let made: Blackout | null = null;
    const state = await this.change((current) => {
      const id = String(current.nextBlackoutId);
      made = make(id);
      if (made.id !== id) throw new Error(`blackout made for id ${id} has id ${made.id}`);
      return withOwed(
        {
          ...current,
          blackouts: [...current.blackouts, made],
          nextBlackoutId: current.nextBlackoutId + 1,
        },
        owe?.(made),
      );
    });
    return { blackout: structuredClone(made as unknown as Blackout), state };
  }

  async removeBlackout(
    id: string,
    owe?: (removed: Blackout) => OwedNotice,
  ): Promise<{ removed: Blackout | null; state: ScheduleState }> {
    let removed: Blackout | null = null;
    const state = await this.change((current) => {
      removed = current.blackouts.find((b) => b.id === id) ?? null;
      if (removed === null) return null;
      return withOwed(
        { ...current, blackouts: current.blackouts.filter((b) => b !== removed) },
        owe?.(removed),
      );
    });
    return { removed: structuredClone(removed), state };
  }

  clearNotices(keys: readonly string[]): Promise<ScheduleState> {
    return this.change((current) => {
      const owed = current.noticesPending ?? [];
      const left = owed.filter((owedNotice) => !keys.includes(owedNotice.key));
      if (left.length === owed.length) return null;
      const { noticesPending: _, ...rest } = current;
      return left.length === 0 ? rest : { ...rest, noticesPending: left };
    });
  }

  /**
   * Applies `edit` to the state (null: nothing to change, nothing written),
   * writes the result durably, and only then makes it the state.
   */
  private change(edit: (state: ScheduleState) => ScheduleState | null): Promise<ScheduleState> {
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

/** The state with `owed` added to its owed notices (one key once); unchanged without one. */
function withOwed(state: ScheduleState, owed: OwedNotice | undefined): ScheduleState {
  if (owed === undefined) return state;
  const others = (state.noticesPending ?? []).filter((o) => o.key !== owed.key);
  return { ...state, noticesPending: [...others, owed] };
}
