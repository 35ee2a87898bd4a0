import type { LauncherRollback } from "./handover-files.js";
import { SELF_UNCONFIRMED_EXIT_CODE } from "./self-function.js";

/**
 * What the agent does at the `start` step of its own update, decided from
 * which release it runs, the job's releases and whether the launcher gave up
 * on the new one. Pure: table-tested.
 */
export type HandOverAction =
  /** This is the new agent: go on and confirm. */
  | { kind: "confirm" }
  /** This is the old agent: switch `current` and exit so the launcher starts the new one. */
  | { kind: "hand-over" }
  /** This is the old agent, started again because the new one kept dying: Rolled Back. */
  | { kind: "rolled-back"; record: LauncherRollback }
  /** Neither: nothing safe to do but undo. */
  | { kind: "rollback"; reason: string };

export function handOverAction(input: {
  running: string | null;
  from: string | null;
  to: string;
  launcherRollback: LauncherRollback | null;
}): HandOverAction {
  const { running, from, to, launcherRollback } = input;
  if (launcherRollback !== null && launcherRollback.to === to && running !== to)
    return { kind: "rolled-back", record: launcherRollback };
  if (running === to) return { kind: "confirm" };
  if (running !== null && running === from) return { kind: "hand-over" };
  return {
    kind: "rollback",
    reason: `the agent runs from ${running ?? "outside the agent root"}, neither ${from ?? "(none)"} nor ${to}`,
  };
}

/** The status reason after the launcher went back to the old agent. */
export function describeLauncherRollback(record: LauncherRollback, toVersion: string): string {
  const times = record.exits === 1 ? "once" : `${record.exits} times`;
  const why =
    record.code === String(SELF_UNCONFIRMED_EXIT_CODE)
      ? ": it could not confirm in time (no broker connection)"
      : "";
  return `new agent ${toVersion} exited before confirming (code ${record.code}, ${times})${why}; the launcher went back to the previous agent`;
}
