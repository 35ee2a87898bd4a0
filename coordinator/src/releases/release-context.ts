import { type MaintenanceWindow, windowDeadline } from "@tillroll/protocol";
import type { ScheduleFacts } from "../schedules/schedule-model.js";
import type { BlackoutFact, ReleaseContext } from "./release-model.js";

/**
 * The planner's issue-11 facts when none are wired (issue 10's tests, a
 * coordinator without schedules): no windows, no blackouts, no agent said
 * what it understands; window time by the protocol's calculus.
 */
export const NO_CONTEXT: ReleaseContext = Object.freeze({
  windowFor: () => null,
  blackoutsAt: () => [],
  capabilitiesOf: () => null,
  windowDeadline,
});

/**
 * The planner's facts from what the runner was built from, read at plan
 * time (schedules and presence change while it runs): the store's resolved
 * window, blackouts, what each agent understands; each absent one as in
 * NO_CONTEXT.
 */
export function contextFrom(deps: {
  readonly scheduleFacts?: ScheduleFacts | undefined;
  readonly capabilitiesOf?:
    | ((store: string, workstation: string) => readonly string[] | null)
    | undefined;
  readonly windowDeadline?: ReleaseContext["windowDeadline"] | undefined;
}): ReleaseContext {
  const facts = deps.scheduleFacts;
  return {
    windowFor: (store, group) => facts?.windowFor(store, group)?.window ?? null,
    blackoutsAt: (group, atMs) => facts?.blackoutsAt(group, atMs) ?? [],
    capabilitiesOf: (store, workstation) => deps.capabilitiesOf?.(store, workstation) ?? null,
    windowDeadline: remembered(deps.windowDeadline ?? windowDeadline),
  };
}

/** Entries a runner's deadline memo holds before it starts again (bounds its memory). */
const MAX_REMEMBERED = 100_000;

/**
 * The window deadline, remembered per (window, sentAt, budget): a planner
 * asks it for every unanswered member of a window-mode stage on every plan,
 * and members sent together share their answer, so a stage of 30,000 rows
 * costs the calculus once per distinct send time, not once per row per plan.
 * Safe because the calculus is a pure function of its arguments.
 */
function remembered(deadline: ReleaseContext["windowDeadline"]): ReleaseContext["windowDeadline"] {
  const memo = new Map<string, number>();
  return (window, fromMs, budgetMs) => {
    const key = `${windowKey(window)}|${fromMs}|${budgetMs}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    const at = deadline(window, fromMs, budgetMs);
    if (memo.size >= MAX_REMEMBERED) memo.clear();
    memo.set(key, at);
    return at;
  };
}

/** A window's identity as text: the same zone, days, start and length are the same window. */
export function windowKey(window: MaintenanceWindow): string {
  return `${window.tz}|${window.days.join(",")}|${window.start}|${window.durationMinutes}`;
}

/** What a release needs an agent to understand (presence `capabilities`). */
export const CAPABILITY = { window: "window", redeploy: "redeploy", recipe: "recipe" } as const;

export const LACKS_WINDOW = "agent does not understand maintenance windows (update tillroll-agent)";
export const LACKS_REDEPLOY = "agent does not understand redeploy (update tillroll-agent)";
export const LACKS_RECIPE = "agent does not understand recipes (update tillroll-agent)";

/** Whether the workstation's agent said it understands `capability`. */
export function understands(
  context: ReleaseContext,
  store: string,
  workstation: string,
  capability: string,
): boolean {
  return context.capabilitiesOf(store, workstation)?.includes(capability) ?? false;
}

/** `blackout 2 (Christmas freeze)`. */
export function nameBlackout(blackout: BlackoutFact): string {
  return `blackout ${blackout.id} (${blackout.reason})`;
}

/** The stage's reason while members wait for a blackout: `waiting: blackout 2 (Christmas freeze) until …`. */
export function blackoutWait(blackout: BlackoutFact): string {
  return `waiting: ${nameBlackout(blackout)} until ${blackout.to}`;
}

/** `refused: blackout 2 (Christmas freeze, FROM to TO) covers the start`. */
export function blackoutRefusal(blackout: BlackoutFact): string {
  return `refused: blackout ${blackout.id} (${blackout.reason}, ${blackout.from} to ${blackout.to}) covers the start`;
}

/**
 * The first blackout (earliest id) covering any of `groups` at `atMs`, or
 * undefined. `groups` are the groups of the task's target rows (null for a
 * row without one: only platform blackouts cover it); none given, the
 * platform's are still asked.
 */
export function blackoutOver(
  context: Pick<ReleaseContext, "blackoutsAt">,
  groups: readonly (string | null)[],
  atMs: number,
): BlackoutFact | undefined {
  const found = new Map<string, BlackoutFact>();
  for (const group of groups.length === 0 ? [null] : groups)
    for (const blackout of context.blackoutsAt(group, atMs)) found.set(blackout.id, blackout);
  return [...found.values()].sort(
    (a, b) => Number(a.id) - Number(b.id) || (a.id < b.id ? -1 : 1),
  )[0];
}
