import type { ReleaseStore } from "../store/release-store.js";
import type { CommandQueue } from "./command-queue.js";
import type { CommandPayload, CommandResult, ReleaseCommands } from "./release-commands.js";

export interface CommandServerOptions {
  readonly queue: CommandQueue;
  /** The leader's own release commands (its term's runner): the same path as a local call. */
  readonly local: ReleaseCommands;
  /** Where a follower stored a new task: `created` is forwarded by id. */
  readonly releases: Pick<ReleaseStore, "get">;
  readonly log: (message: string) => void;
  /** How often pending commands are looked for besides the notices. */
  readonly pollMs?: number;
}

/**
 * Issue 14 (replicas): the leader's duty of carrying out the release commands
 * followers hand over (release-commands.ts). On start it claims whatever is
 * pending (left by a leader that stopped), then every command told on
 * `tillroll_commands` (and, in case a notice was lost, what a poll finds).
 * A claim is one conditional UPDATE: a command runs once, or not at all when its
 * follower abandoned it first. Stopping waits for the commands under way.
 */
export class CommandServer {
  private serving = false;
  private readonly running = new Map<string, Promise<void>>();
  private unlisten: (() => void) | null = null;
  private poll: NodeJS.Timeout | null = null;

  constructor(private readonly options: CommandServerOptions) {}

  async start(): Promise<void> {
    if (this.serving) return;
    this.serving = true;
    this.unlisten = this.options.queue.listen((notice) => {
      if (notice.state === "pending") this.run(notice.id);
    });
    this.poll = setInterval(() => void this.drain(), this.options.pollMs ?? 1_000);
    await this.drain();
  }

  async stop(): Promise<void> {
    this.serving = false;
    this.unlisten?.();
    this.unlisten = null;
    if (this.poll !== null) clearInterval(this.poll);
    this.poll = null;
    await Promise.all(this.running.values());
  }

  /** Claims and runs every pending command (a takeover's backlog, a lost notice). */
  private async drain(): Promise<void> {
    const ids = await this.options.queue.pending().catch((error: unknown) => {
      this.options.log(`replica commands: cannot read pending commands (${errorText(error)})`);
      return [];
    });
    for (const id of ids) this.run(id);
    await Promise.all(ids.map((id) => this.running.get(id)));
  }

  private run(id: string): void {
    if (!this.serving || this.running.has(id)) return;
    const work = this.claimAndRun(id)
      .catch((error: unknown) =>
        this.options.log(`replica commands: command ${id} failed: ${errorText(error)}`),
      )
      .finally(() => this.running.delete(id));
    this.running.set(id, work);
  }

  private async claimAndRun(id: string): Promise<void> {
    const { queue } = this.options;
    const command = await queue.claim(id);
    // Another leader took it, or its follower gave up on it first.
    if (command === null) return;
    let result: CommandResult;
    try {
      result = { value: await this.execute(command.payload as CommandPayload) };
    } catch (error) {
      result = { thrown: errorText(error) };
    }
    await queue.finish(id, result);
  }

  private async execute(payload: CommandPayload): Promise<unknown> {
    const { local } = this.options;
    switch (payload.kind) {
      case "created": {
        const release = await this.options.releases.get(payload.id);
        if (release === undefined) throw new Error(`no release task ${payload.id}`);
        return local.created(release);
      }
      case "operate":
        return local.operate(payload.id, payload.operation, payload.actor);
      case "cancelOverlapping":
        return local.cancelOverlapping(payload.blackout, payload.who);
    }
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
