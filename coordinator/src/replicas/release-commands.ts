import type { Result } from "@tillroll/protocol";
import type {
  CandidateRow,
  ReleaseActor,
  ReleaseOperation,
  ReleaseRecord,
  ReleaseSend,
} from "../releases/release-model.js";
import type { Blackout, ScheduledTasks } from "../schedules/schedule-model.js";
import {
  COMMAND_TIMEOUT_MS,
  type CommandRole,
  followerStep,
  routeCommand,
} from "./command-plan.js";
import type { CommandKind, CommandQueue } from "./command-queue.js";

/** What an operation answers (ReleaseRunner.operate). */
export type OperateOutcome = Result<{ release: ReleaseRecord; sends: readonly ReleaseSend[] }>;
/** What a blackout's cancels answer (ScheduledTasks.cancelOverlapping). */
export type Cancelled = readonly { id: string; name: string; createdBy: string; at: string }[];

/**
 * Issue 14 (replicas): the release commands that plan, save and publish
 * desired state, which only the leader's runner may carry out: a new task
 * (`created`), an operator's operation, a new blackout's cancels.
 */
export interface ReleaseCommands extends ScheduledTasks {
  created(release: ReleaseRecord, rows?: readonly CandidateRow[]): Promise<string[]>;
  operate(id: string, operation: ReleaseOperation, actor: ReleaseActor): Promise<OperateOutcome>;
  cancelOverlapping(blackout: Blackout, who: string): Promise<Cancelled>;
}

/** No leader carried a forwarded command out in time (HTTP 503 for an operation). */
export class NoLeaderError extends Error {}

/** What a leader stores as a command's result: the local call's answer, or what it threw. */
export type CommandResult = { readonly value: unknown } | { readonly thrown: string };

/** What a follower hands over: `created` by id (the record is in the store already). */
export type CommandPayload =
  | { readonly kind: "created"; readonly id: string }
  | {
      readonly kind: "operate";
      readonly id: string;
      readonly operation: ReleaseOperation;
      readonly actor: ReleaseActor;
    }
  | { readonly kind: "cancelOverlapping"; readonly blackout: Blackout; readonly who: string };

export interface ForwardedOptions {
  readonly queue: CommandQueue;
  readonly log: (message: string) => void;
  /** After an answer: the follower's view of held rows reads the releases again. */
  readonly afterward: () => Promise<void>;
  readonly timeoutMs?: number;
  /** How often the result is read besides the notices (a notice lost with a connection). */
  readonly pollMs?: number;
}

/**
 * A follower's release commands: each is stored in `replica_commands` and
 * carried out by the leader's runner (replicas/command-server.ts); this waits
 * for its result and answers exactly what the leader's call answered. After
 * the timeout the command is abandoned atomically (nothing changed: refused),
 * unless the leader took it meanwhile (then its result is waited for again).
 */
export class ForwardedReleaseCommands implements ReleaseCommands {
  private readonly waiters = new Map<string, () => void>();
  private readonly timeoutMs: number;

  constructor(private readonly options: ForwardedOptions) {
    this.timeoutMs = options.timeoutMs ?? COMMAND_TIMEOUT_MS;
    // Listening from the start: the first command does not wait for a connection.
    options.queue.listen((notice) => {
      if (notice.state === "done") this.waiters.get(notice.id)?.();
    });
  }

  async created(release: ReleaseRecord): Promise<string[]> {
    try {
      return (await this.call({ kind: "created", id: release.id })) as string[];
    } catch (error) {
      if (!(error instanceof NoLeaderError)) throw error;
      // The record is stored: the replica that leads next loads it, arms it, publishes its notice.
      return [
        `release task ${release.id} is saved, but ${error.message.replace(/; nothing changed; try again$/, "")}: the replica that leads next takes it up (no need to create it again)`,
      ];
    }
  }

  async operate(
    id: string,
    operation: ReleaseOperation,
    actor: ReleaseActor,
  ): Promise<OperateOutcome> {
    return (await this.call({ kind: "operate", id, operation, actor })) as OperateOutcome;
  }

  async cancelOverlapping(blackout: Blackout, who: string): Promise<Cancelled> {
    try {
      return (await this.call({ kind: "cancelOverlapping", blackout, who })) as Cancelled;
    } catch (error) {
      if (!(error instanceof NoLeaderError)) throw error;
      // The blackout is stored: the next leader's "blackout cancels" duty cancels them.
      this.options.log(
        `blackout ${blackout.id}: ${error.message}; the replica that leads next cancels the tasks inside it`,
      );
      return [];
    }
  }

  private async call(payload: CommandPayload): Promise<unknown> {
    const { queue } = this.options;
    const id = await queue.submit(payload.kind as CommandKind, payload);
    let secondWait = false;
    for (;;) {
      const done = await this.waitDone(id);
      const abandoned = done === undefined && !secondWait ? await queue.abandon(id) : false;
      const row = done ?? (await queue.read(id));
      const step = followerStep({
        abandoned,
        state: row?.state,
        secondWait,
        timeoutMs: this.timeoutMs,
      });
      if (step.kind === "wait") {
        secondWait = true;
        continue;
      }
      if (step.kind !== "answer") throw new NoLeaderError(step.error);
      await this.options.afterward().catch(() => undefined);
      const result = row?.result as CommandResult;
      if ("thrown" in result) throw new Error(result.thrown);
      return result.value;
    }
  }

  /** The command once done, or undefined when the timeout passed first. */
  private waitDone(id: string): Promise<{ state: "done"; result: unknown } | undefined> {
    const { queue } = this.options;
    return new Promise((resolve) => {
      let finished = false;
      const finish = (row: { state: "done"; result: unknown } | undefined) => {
        if (finished) return;
        finished = true;
        clearInterval(poll);
        clearTimeout(timer);
        this.waiters.delete(id);
        resolve(row);
      };
      const check = () => {
        queue.read(id).then(
          (row) => {
            if (row?.state === "done") finish({ state: "done", result: row.result });
          },
          () => undefined,
        );
      };
      this.waiters.set(id, check);
      const poll = setInterval(check, this.options.pollMs ?? 500);
      const timer = setTimeout(() => finish(undefined), this.timeoutMs);
      check();
    });
  }
}

/**
 * The release commands as the operations call them: carried out here when this
 * replica leads (or is the only coordinator: the JSON store, no change there),
 * handed to the leader when it follows. The role is read per call.
 */
export class RoutedReleaseCommands implements ReleaseCommands {
  constructor(
    private readonly role: () => CommandRole,
    private readonly local: () => ReleaseCommands,
    private readonly forwarded: ReleaseCommands | null,
  ) {}

  private pick(): ReleaseCommands {
    const route = routeCommand(this.role());
    return route === "forward" && this.forwarded !== null ? this.forwarded : this.local();
  }

  created(release: ReleaseRecord, rows?: readonly CandidateRow[]): Promise<string[]> {
    return this.pick().created(release, rows);
  }

  operate(id: string, operation: ReleaseOperation, actor: ReleaseActor): Promise<OperateOutcome> {
    return this.pick().operate(id, operation, actor);
  }

  cancelOverlapping(blackout: Blackout, who: string): Promise<Cancelled> {
    return this.pick().cancelOverlapping(blackout, who);
  }
}
