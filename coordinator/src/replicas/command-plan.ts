/**
 * Issue 14 (replicas): what happens to a release command (create, an
 * operation, a blackout's cancels) given this replica's role, and what a
 * follower does with a command it handed to the leader once its wait ends.
 * Pure: the executors are release-commands.ts and pg-command-queue.ts.
 */

/** A little more than a takeover (a lease retried every 2 s, a takeover within 10 s). */
export const COMMAND_TIMEOUT_MS = 10_000;

/** Where this replica stands: alone (JSON store), leading with a running term, or following. */
export type CommandRole = "single" | "leader" | "follower";

/** Carried out here on this replica's runner, or handed to the leader through PostgreSQL. */
export function routeCommand(role: CommandRole): "local" | "forward" {
  return role === "follower" ? "forward" : "local";
}

/** A command row's state in `replica_commands`. */
export const COMMAND_STATES = ["pending", "claimed", "done", "abandoned"] as const;
export type CommandState = (typeof COMMAND_STATES)[number];

/**
 * The follower's next step after a wait for the result ended without one
 * (`abandoned`: whether its atomic pending -> abandoned update changed the row;
 * `state`: the row as read after it; `secondWait`: the wait that ended was the
 * one after the leader claimed it).
 *  - answer: the leader's result is there, answer with it;
 *  - refuse: nobody took it and now nobody will: nothing changed, try again;
 *  - wait: the leader took it meanwhile, wait for its result once more;
 *  - unknown: the leader took it and gave no answer in time (it died mid-way?):
 *    it may have been carried out; say so.
 */
export type FollowerStep =
  | { readonly kind: "answer" }
  | { readonly kind: "refuse"; readonly error: string }
  | { readonly kind: "wait" }
  | { readonly kind: "unknown"; readonly error: string };

export function followerStep(input: {
  readonly abandoned: boolean;
  readonly state: CommandState | undefined;
  readonly secondWait: boolean;
  readonly timeoutMs: number;
}): FollowerStep {
  const seconds = formatSeconds(input.timeoutMs);
  if (input.state === "done") return { kind: "answer" };
  if (input.abandoned || input.state === "abandoned" || input.state === undefined)
    return {
      kind: "refuse",
      error: `no leader replica carried out the command within ${seconds}; nothing changed; try again`,
    };
  if (input.state === "claimed" && !input.secondWait) return { kind: "wait" };
  return {
    kind: "unknown",
    error: `the leader replica took the command but gave no answer within ${seconds} more (did it stop?); it may have been carried out: look at the release task before trying again`,
  };
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
