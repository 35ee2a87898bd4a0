import type { PackVersionInfo } from "@tillroll/protocol";
import type { NoticePublisher } from "../notices/notice-model.js";
import type { DesiredRowChange } from "../operations/apply-desired.js";
import type { ScheduleFacts } from "../schedules/schedule-model.js";
import type { DesiredStore } from "../store/desired-store.js";
import type { FleetRows } from "../store/fleet-rows.js";
import type { ReleaseStore } from "../store/release-store.js";
import type { planOperation } from "./plan-operation.js";
import type { planRelease } from "./plan-release.js";
import type { ReleaseContext } from "./release-model.js";

/**
 * What the release runner is built from; nothing else reaches it. Apart
 * from the runner so its parts (known-releases.ts, release-sender.ts,
 * runner-notices.ts) and tests name the same shapes without importing the
 * runner itself.
 */
export interface ReleaseRunnerDeps {
  readonly releases: ReleaseStore;
  readonly fleet: Pick<FleetRows, "get" | "getMany" | "query">;
  readonly desiredState: Pick<DesiredStore, "servicesOf">;
  /** The function's offered packs (withdrawn ones left out): operations-deps.ts offeredPacks. */
  readonly packsOf: (fn: string) => Promise<PackVersionInfo[]>;
  /** Applies desired-state changes (operations/apply-desired.ts): durable, then published. */
  readonly apply: (changes: readonly DesiredRowChange[]) => Promise<unknown>;
  readonly now: () => number;
  readonly log: (message: string) => void;
  /** The pure decisions; the real planner unless a test hands in another. */
  readonly planner?: ReleasePlanner;
  /** Issue 11: windows and blackouts (schedules/); absent: no windows, no blackouts. */
  readonly scheduleFacts?: ScheduleFacts | undefined;
  /** Issue 11: where task and release notices go (notices/); absent: NO_NOTICES. */
  readonly notices?: NoticePublisher | undefined;
  /** Issue 11: presence `capabilities` per workstation; absent: no agent said any. */
  readonly capabilitiesOf?:
    | ((store: string, workstation: string) => readonly string[] | null)
    | undefined;
  /** The window calculus's deadline (tests may hand in another); absent: protocol windowDeadline. */
  readonly windowDeadline?: ReleaseContext["windowDeadline"] | undefined;
  /** How often the runner looks for due scheduled starts (ms); default 1,000. */
  readonly tickMs?: number | undefined;
}

/** The pure planner's two functions (plan-release.ts, plan-operation.ts). */
export interface ReleasePlanner {
  readonly planRelease: typeof planRelease;
  readonly planOperation: typeof planOperation;
}
