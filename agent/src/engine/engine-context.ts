import type { AgentConfig } from "@tillroll/protocol";
import type { Clock } from "../process/clock.js";
import type { ServiceManager } from "../process/service-manager.js";
import type { Readiness } from "../readiness/readiness.js";
import type { FunctionLayout } from "../release/release-layout.js";
import type { SelfUpdateHost } from "../self-update/self-host.js";
import type { Job, ServiceRecord } from "../state/agent-state.js";
import type { JobStep } from "./journal.js";
import type { Reporter } from "./reporter.js";
import type { StateStore } from "./state-store.js";

/** Everything the engine needs from outside, passed in so tests can run many agents in one process. */
export interface EngineContext {
  config: AgentConfig;
  store: StateStore;
  reporter: Reporter;
  services: ServiceManager;
  /** `fn`: the service whose update asks (its desired `drain.force` lets it pass a stale POS session). */
  checkReadiness: (fn?: string) => Promise<Readiness>;
  /** Local clock (may be off; valid-from uses the estimated coordinator offset). */
  clock: Clock;
  random: () => number;
  log: (message: string) => void;
  /** Test hook: called right after a step was persisted and right after it ran. */
  onStep?: ((step: JobStep, when: "before" | "after") => void) | undefined;
  /** The agent process, for an update of the agent itself (absent: such updates are refused). */
  selfUpdate?: SelfUpdateHost | undefined;
}

/** One step's inputs. */
export interface StepInput {
  fn: string;
  job: Job;
  record: ServiceRecord;
  layout: FunctionLayout;
  signal: AbortSignal;
  ctx: EngineContext;
}

/** What a step asks the runner to do next. */
export type StepResult =
  | { kind: "next"; step: JobStep }
  /** Not Ready: stay at this step (or go back to `step`) and re-check later. */
  | { kind: "defer"; reason: string; step?: JobStep }
  /** Failed before the old service was touched: discard and report Rolled Back. */
  | { kind: "abort"; reason: string }
  /** Failed after the switch: go back to the previous release. */
  | { kind: "rollback"; reason: string }
  /** The job is over. */
  | {
      kind: "end";
      status: "OK" | "Rolled Back" | "Failed";
      reason: string | null;
      activeVersion: string | null;
      previousVersion: string | null;
      /** Their release folders (differ from the versions after a redeploy). */
      activeRelease: string | null;
      previousRelease: string | null;
    }
  /** The job was cancelled (aborted signal) before it touched the service. */
  | { kind: "cancelled" };

export type StepExecutor = (input: StepInput) => Promise<StepResult>;
