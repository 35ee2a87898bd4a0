import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { openDurableDb } from "@tillroll/protocol/node";
import type { Low } from "lowdb";
import {
  type AgentState,
  agentStateSchema,
  emptyAgentState,
  STATE_SCHEMA_VERSION,
} from "../state/agent-state.js";
import { nextSeq } from "./seq.js";

/**
 * The agent's journal and outbox in `<state>/agent.json`. One instance per
 * agent; callers mutate `state` and then `await save()` *before* acting on
 * the change (write before you act).
 */
export class StateStore {
  private failedSince: string | null = null;

  private constructor(
    private readonly db: Low<AgentState>,
    private readonly now: () => number,
  ) {}

  static async open(
    stateDir: string,
    log: (message: string) => void,
    now: () => number = Date.now,
  ): Promise<StateStore> {
    await mkdir(stateDir, { recursive: true });
    const db = await openDurableDb<AgentState>({
      path: join(stateDir, "agent.json"),
      schemaVersion: STATE_SCHEMA_VERSION,
      validate: (raw) => agentStateSchema.parse(raw),
      defaults: emptyAgentState(),
      // The saved desired document holds recipes, secret values among them (issue 13).
      mode: 0o600,
      log,
    });
    return new StateStore(db, now);
  }

  get state(): AgentState {
    return this.db.data;
  }

  /**
   * Durable once this resolves: temp file fsync'd, renamed, folder fsync'd.
   * A failed save (disk full) leaves memory ahead of the disk; `unsaved`
   * says so until a later save lands, and nothing may be acted on meanwhile.
   */
  async save(): Promise<void> {
    try {
      await this.db.write();
      this.failedSince = null;
    } catch (error) {
      this.failedSince = (error as Error).message;
      throw error;
    }
  }

  /** Why the last save failed, while memory holds changes the disk does not; null when all is on disk. */
  get unsaved(): string | null {
    return this.failedSince;
  }

  /**
   * Hands out the next seq for a document this agent sends; persisted with
   * the next save. Time-based (see `nextSeq`), so a till that lost its state
   * still sorts after everything it sent before.
   */
  takeSeq(): number {
    const seq = nextSeq(this.db.data.nextSeq, this.now());
    this.db.data.nextSeq = seq + 1;
    return seq;
  }
}
