import { join } from "node:path";
import { DurableJsonFile } from "@tillroll/protocol/node";
import { DataDirError, errorText } from "../setup/data-dir-error.js";
import { changedEntriesError } from "./changed-entries.js";
import {
  COORDINATOR_STATE_VERSION,
  type CoordinatorState,
  coordinatorStateSchema,
  emptyCoordinatorState,
} from "./coordinator-state.js";
import { serializeStateInSlices } from "./state-serialize.js";

/** A change the store could not make durable; memory is as it was before the change. */
export class StateWriteError extends Error {}

/**
 * `DIR/coordinator.json`: workstations and desired state; written before it
 * is published.
 *
 * Every change goes through `change()`: the mutation is applied to a draft,
 * the draft is written durably, and only then does it become the live state.
 * A failed write (disk full) leaves memory exactly as it was and the next
 * change is attempted afresh: nothing that was refused is half-remembered.
 */
export class StateStore {
  /** Changes run one at a time: each starts from the state the previous one left. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    /** The live state. Its identity never changes, so holders of it stay current. */
    readonly state: CoordinatorState,
    private readonly file: DurableJsonFile<CoordinatorState>,
  ) {}

  static async open(dir: string, log: (message: string) => void): Promise<StateStore> {
    const texts = new WeakMap<object, string>();
    const file = new DurableJsonFile<CoordinatorState>({
      path: join(dir, "coordinator.json"),
      schemaVersion: COORDINATOR_STATE_VERSION,
      // The file as read at start is checked whole: it comes from outside this process.
      validate: (raw) => coordinatorStateSchema.parse(raw),
      log,
      mode: 0o600,
      // Written in pieces with the event loop free between them (10,000 tills' records).
      // Each entry's text is kept while the entry lives: only changed entries are stringified.
      serialize: (version, state) => serializeStateInSlices(version, state, texts),
      // change() checks what each change touched (changedEntriesError) before it writes; the
      // rest is what was read and checked at start or written and checked since. Re-parsing
      // the whole state on every write cost more than a second of a 10,000-row set-preferred.
      verifyOnWrite: false,
    });
    // A file that exists but cannot be used stops the start, in one line naming it.
    const stored = await file.read().catch((error: unknown) => {
      throw new DataDirError(`${errorText(error)}; restore it from your backup`);
    });
    return new StateStore(stored ?? emptyCoordinatorState(), file);
  }

  get path(): string {
    return this.file.path;
  }

  /**
   * Applies `mutate` to a draft of the state, writes the draft durably and then
   * makes it live; resolves with what `mutate` returned. If `mutate` throws,
   * nothing is written; if the write fails, a StateWriteError naming the file
   * is thrown and the live state is untouched. `statusSeq` belongs to status
   * ingestion, which advances it in place between writes: it is written with
   * every change but never replaced by one.
   *
   * The draft's records (workstations, desired, desiredFields, statusSeq) are
   * copies, but their entries are the live ones: `mutate` may add, replace or
   * delete entries (`draft.desired[key] = {...}`), never edit one in place,
   * else a refused change would show. A copy of the whole state per change
   * (structuredClone) cost a quarter of a second with 10,000 tills. What
   * `mutate` changed is checked before it is written (changedEntriesError).
   */
  change<T>(mutate: (draft: CoordinatorState) => T): Promise<T> {
    const run = this.queue.then(async () => {
      const draft = draftOf(this.state);
      const value = mutate(draft);
      const invalid = changedEntriesError(this.state, draft);
      if (invalid !== null)
        throw new StateWriteError(
          `cannot save ${this.file.path}: ${invalid} (a fault of the coordinator); the change was not made`,
        );
      try {
        await this.file.write(draft);
      } catch (error) {
        throw new StateWriteError(
          `cannot save ${this.file.path} (${errorText(error)}); the change was not made`,
        );
      }
      // Every field the change may touch becomes live (a field added to the state is
      // covered without a line here: issue 13's desiredFields was once only on disk).
      const { statusSeq: _advancedInPlace, ...changed } = draft;
      Object.assign(this.state, changed);
      return value;
    });
    // One failed change must not fail the ones queued after it.
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** A draft for change(): its own records, holding the live entries (see change()). */
function draftOf(state: CoordinatorState): CoordinatorState {
  return {
    ...state,
    workstations: { ...state.workstations },
    desired: { ...state.desired },
    statusSeq: { ...state.statusSeq },
    ...(state.desiredFields === undefined ? {} : { desiredFields: { ...state.desiredFields } }),
  };
}
