import { type Answer, type RouteName, stageCountsAnswer } from "../../../../src/api/contract.js";

/**
 * The release views' words: the answers they show (from the contract, no
 * copies), the operations a button may call, and the small pure questions
 * the views ask of an answer (progress, which stage waits for whom).
 */
export type ReleaseView = Answer<"showRelease">;
export type ReleaseSummary = Answer<"listReleases">[number];
export type StageView = ReleaseView["stages"][number];
export type StageCounts = StageView["counts"];

/** What the caller may do with the task now, as the show answer says (CONSOLE-API.md §7). */
export type ReleaseActions = NonNullable<ReleaseView["actions"]>;

export type ActionName = keyof ReleaseActions;

/** The route each action calls (all take `{id}`; approve and reject also `comment`). */
export const ACTION_ROUTES = {
  start: "startRelease",
  approve: "approveRelease",
  reject: "rejectRelease",
  trigger: "triggerRelease",
  pause: "pauseRelease",
  resume: "resumeRelease",
  retry: "retryRelease",
  rollback: "rollbackRelease",
  cancel: "cancelRelease",
} as const satisfies Record<ActionName, RouteName>;

/** Button texts (CONSOLE-API.md: tests find them by these names). */
export const ACTION_LABELS: Readonly<Record<ActionName, string>> = {
  start: "Start",
  approve: "Approve",
  reject: "Reject",
  trigger: "Go",
  pause: "Pause",
  resume: "Resume",
  retry: "Retry",
  rollback: "Roll back",
  cancel: "Cancel task",
};

/** Task-wide buttons in the header, in this order; checkpoint ones live on their stage's card. */
export const TASK_ACTIONS: readonly ActionName[] = [
  "start",
  "pause",
  "resume",
  "retry",
  "rollback",
  "cancel",
];

/** Actions that undo work: asked again in a dialog before they are sent. */
export const DESTRUCTIVE: ReadonlySet<ActionName> = new Set<ActionName>(["rollback", "cancel"]);

/** Nothing offered: what an answer without `actions` allows (the server decides anyway). */
export const NO_ACTIONS = Object.fromEntries(
  Object.keys(ACTION_ROUTES).map((name) => [name, false]),
) as ReleaseActions;

/** The buttons to show: only what the server says this caller may do now. */
export function actionsOf(view: ReleaseView): ReleaseActions {
  return view.actions ?? NO_ACTIONS;
}

/** OK members over all members across stages: the list's progress bar (0 without members). */
export function progressOf(stages: readonly { counts: StageCounts }[]): {
  ok: number;
  total: number;
  percent: number;
} {
  let ok = 0;
  let total = 0;
  for (const stage of stages) {
    ok += stage.counts.OK;
    total += stage.counts.total;
  }
  return { ok, total, percent: total === 0 ? 0 : Math.round((ok / total) * 100) };
}

/** The per-outcome counts a card shows, in reading order (the answer's), leaving out zeros. */
export const COUNT_NAMES = Object.keys(stageCountsAnswer.shape).filter(
  (name): name is Exclude<keyof StageCounts, "total"> => name !== "total",
);

export function shownCounts(counts: StageCounts): { name: string; value: number }[] {
  return COUNT_NAMES.filter((name) => counts[name] > 0).map((name) => ({
    name,
    value: counts[name],
  }));
}

/** CSS class for a state word: ok / bad / wait / idle. */
export function stateTone(state: string): "ok" | "bad" | "wait" | "idle" | "run" {
  if (state === "Successful") return "ok";
  if (["Failed", "Rejected", "Rolled Back", "Cancelled"].includes(state)) return "bad";
  if (state.startsWith("Waiting") || state === "Paused" || state === "Scheduled") return "wait";
  if (state === "Running") return "run";
  return "idle";
}
