import { join } from "node:path";
import { DurableJsonFile } from "@tillroll/agent";
import {
  COORDINATOR_STATE_VERSION,
  type CoordinatorState,
  coordinatorStateSchema,
  emptyCoordinatorState,
} from "./coordinator-state.js";

/** `DIR/coordinator.json`: workstations and desired state; written before it is published. */
export class StateStore {
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    readonly state: CoordinatorState,
    private readonly file: DurableJsonFile<CoordinatorState>,
  ) {}

  static async open(dir: string, log: (message: string) => void): Promise<StateStore> {
    const file = new DurableJsonFile<CoordinatorState>({
      path: join(dir, "coordinator.json"),
      schemaVersion: COORDINATOR_STATE_VERSION,
      validate: (raw) => coordinatorStateSchema.parse(raw),
      log,
    });
    return new StateStore((await file.read()) ?? emptyCoordinatorState(), file);
  }

  /** Durable once resolved; writes are serialised so the last state always lands last. */
  save(): Promise<void> {
    const snapshot = structuredClone(this.state);
    this.writing = this.writing.then(() => this.file.write(snapshot));
    return this.writing;
  }
}
