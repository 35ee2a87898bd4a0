import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Low } from "lowdb";
import {
  type AgentState,
  agentStateSchema,
  emptyAgentState,
  STATE_SCHEMA_VERSION,
} from "../state/agent-state.js";
import { openDurableDb } from "../store/durable-json-file.js";

/**
 * The agent's journal and outbox in `<state>/agent.json`. One instance per
 * agent; callers mutate `state` and then `await save()` *before* acting on
 * the change (write before you act).
 */
export class StateStore {
  private constructor(private readonly db: Low<AgentState>) {}

  static async open(stateDir: string, log: (message: string) => void): Promise<StateStore> {
    await mkdir(stateDir, { recursive: true });
    const db = await openDurableDb<AgentState>({
      path: join(stateDir, "agent.json"),
      schemaVersion: STATE_SCHEMA_VERSION,
      validate: (raw) => agentStateSchema.parse(raw),
      defaults: emptyAgentState(),
      log,
    });
    return new StateStore(db);
  }

  get state(): AgentState {
    return this.db.data;
  }

  /** Durable once this resolves: temp file fsync'd, renamed, folder fsync'd. */
  save(): Promise<void> {
    return this.db.write();
  }

  /** Hands out the next seq for a document this agent sends; persisted with the next save. */
  takeSeq(): number {
    const seq = this.db.data.nextSeq;
    this.db.data.nextSeq = seq + 1;
    return seq;
  }
}
