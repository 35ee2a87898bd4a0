import {
  decideLease,
  describeChange,
  type LeaseObservation,
  type LeaseRole,
  probeFor,
} from "./lease-decision.js";

/**
 * Issue 14 (replicas): exactly one replica leads (release runner, schedules,
 * notices outbox) while its dedicated PostgreSQL session holds the advisory lock.
 * A session that dies (process killed, network cut) loses the lock on the server
 * at once, so another replica's next try (every `intervalMs`, 2 s) takes over.
 * The holder notices a broken connection (a failed query or heartbeat, an
 * `error` event) and stops leading at once, before anyone else can start.
 */

/** One dedicated connection that can hold the lock (pg-lock-session.ts). */
export interface LockSession {
  tryLock(): Promise<boolean>;
  /** Answers while the session lives; throws (or times out) once it does not. */
  heartbeat(): Promise<void>;
  /** Gives the lock back; the session stays open. */
  unlock(): Promise<void>;
  /** Ends the connection (the server frees whatever it held). */
  end(): Promise<void>;
  /** Called once when the connection fails outside a query (error or end event). */
  onLost(listener: (reason: string) => void): void;
}

export interface LeaderLeaseOptions {
  open: () => Promise<LockSession>;
  /** Told on each change of role; a returned promise is awaited before the lock is given back on close. */
  onChange: (role: LeaseRole, reason: string) => undefined | Promise<void>;
  log: (message: string) => void;
  /** Between probes; 2 s: a takeover within 10 s holds with room for a slow connect. */
  intervalMs?: number;
}

export class LeaderLease {
  private role: LeaseRole = "follower";
  private session: LockSession | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();
  private changed: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly intervalMs: number;

  constructor(private readonly options: LeaderLeaseOptions) {
    this.intervalMs = options.intervalMs ?? 2_000;
  }

  get isLeader(): boolean {
    return this.role === "leader";
  }

  /** Probes at once, then every interval until closed. */
  start(): void {
    this.schedule(0);
  }

  /** Stops leading (awaiting the duties' stop), gives the lock back and ends the session. */
  async close(): Promise<void> {
    if (this.closed) return this.running;
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    await this.running;
    const session = this.session;
    const wasLeader = this.role === "leader";
    this.apply({ kind: "closing" }, session, false);
    await this.changed;
    if (session !== null && wasLeader) await session.unlock().catch(() => undefined);
    await session?.end().catch(() => undefined);
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => this.schedule(this.intervalMs));
    }, delayMs);
  }

  private async tick(): Promise<void> {
    let session = this.session;
    if (session === null) {
      try {
        session = await this.connect();
      } catch (error) {
        this.apply({ kind: "lost", reason: `connect: ${message(error)}` }, null, true);
        return;
      }
    }
    let observation: LeaseObservation;
    try {
      if (probeFor(this.role) === "heartbeat") {
        await session.heartbeat();
        observation = { kind: "alive" };
      } else {
        observation = (await session.tryLock()) ? { kind: "acquired" } : { kind: "busy" };
      }
    } catch (error) {
      observation = { kind: "lost", reason: message(error) };
    }
    // The session may have failed (onLost) while the query was out: its answer is stale.
    // Closing meanwhile: no duty starts now; ending the session frees a lock just taken.
    if (this.session !== session || this.closed) return;
    this.apply(observation, session, true);
  }

  private async connect(): Promise<LockSession> {
    const session = await this.options.open();
    if (this.closed) {
      await session.end().catch(() => undefined);
      throw new Error("lease closed");
    }
    this.session = session;
    session.onLost((reason) => {
      // Only the current session's loss counts; a dropped one's late events do not.
      if (this.session === session && !this.closed)
        this.apply({ kind: "lost", reason }, session, true);
    });
    return session;
  }

  private apply(
    observation: LeaseObservation,
    session: LockSession | null,
    endDropped: boolean,
  ): void {
    const step = decideLease(this.role, observation);
    this.role = step.role;
    if (step.dropConnection && session !== null && this.session === session) {
      this.session = null;
      if (endDropped) void session.end().catch(() => undefined);
    }
    if (step.change === null) return;
    const { to, reason } = step.change;
    this.options.log(describeChange(step.change));
    // Told at once (a lost lease stops the duties now); LeaderDuties orders its own starts and stops.
    let told: Promise<void>;
    try {
      told = Promise.resolve(this.options.onChange(to, reason));
    } catch (error) {
      told = Promise.reject(error);
    }
    this.changed = told.catch((error: unknown) =>
      this.options.log(`leader lease: acting on ${to} failed: ${message(error)}`),
    );
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
