import type { LeaseRole } from "./lease-decision.js";

/**
 * Issue 14 (replicas): the work only one replica may do at a time (the release
 * runner's plans and sends, scheduled starts and blackout cancels, the notices
 * outbox's delivery, the install-log sweep), started when this replica becomes
 * leader and stopped, in reverse order, when it stops leading. With the JSON
 * store there is one coordinator: it leads from the start (no lease).
 */

export interface LeaderDuty {
  /** For the log: "release runner", "notices delivery"... */
  readonly name: string;
  start(): Promise<void>;
  /**
   * Stops it; whatever is under way finishes or is cut off, nothing new begins. A
   * duty starts again at the next term (the runner is made fresh per term).
   */
  stop(): Promise<void>;
}

export type DutiesState = "idle" | "leading";

/** What a role change does to the duties. Pure: `idle` (not leading) or `leading`. */
export function planDuties(
  state: DutiesState,
  role: LeaseRole,
): { next: DutiesState; action: "start" | "stop" | "none" } {
  if (role === "leader")
    return state === "idle"
      ? { next: "leading", action: "start" }
      : { next: state, action: "none" };
  if (state !== "leading") return { next: state, action: "none" };
  return { next: "idle", action: "stop" };
}

export class LeaderDuties {
  private state: DutiesState = "idle";
  private chain: Promise<void> = Promise.resolve();
  private started: LeaderDuty[] = [];

  constructor(
    private readonly duties: readonly LeaderDuty[],
    private readonly log: (message: string) => void,
  ) {}

  get leading(): boolean {
    return this.state === "leading";
  }

  /**
   * The lease's onChange. Changes are carried out one after the other in the order
   * told (a stop told while a start is under way waits for it, then stops all);
   * telling the same role twice does nothing.
   */
  onRole(role: LeaseRole, reason: string): Promise<void> {
    const next = this.chain.then(() => this.apply(role, reason));
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Stops whatever leads (the coordinator's stop). */
  close(): Promise<void> {
    return this.onRole("follower", "coordinator stopping");
  }

  private async apply(role: LeaseRole, reason: string): Promise<void> {
    const { next, action } = planDuties(this.state, role);
    this.state = next;
    if (action === "start") await this.startAll(reason);
    else if (action === "stop") await this.stopAll(reason);
  }

  /**
   * Starts each in order; the first that fails ends the start with its error (as a
   * coordinator's start failed before replicas: the lease logs it), and is stopped
   * with the rest when the term ends.
   */
  private async startAll(reason: string): Promise<void> {
    this.log(`leader duties: starting (${reason}): ${this.duties.map((d) => d.name).join(", ")}`);
    for (const duty of this.duties) {
      this.started.push(duty);
      try {
        await duty.start();
      } catch (error) {
        throw new Error(`${duty.name} did not start: ${errorText(error)}`);
      }
    }
  }

  private async stopAll(reason: string): Promise<void> {
    const stopping = this.started.reverse();
    this.started = [];
    this.log(`leader duties: stopping (${reason}): ${stopping.map((d) => d.name).join(", ")}`);
    for (const duty of stopping) {
      try {
        await duty.stop();
      } catch (error) {
        this.log(`leader duties: ${duty.name} did not stop cleanly: ${errorText(error)}`);
      }
    }
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
