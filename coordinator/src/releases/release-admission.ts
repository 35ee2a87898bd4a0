import semver from "semver";
import type { TaskFacts } from "../notices/notice-model.js";
import { blackoutCoversGroup } from "../schedules/blackout-cover.js";
import type { BlackoutFact, CandidateRow, ReleaseRecord, ReleaseSpec } from "./release-model.js";

/**
 * Issue 11's pure decisions around a task's start: the downgrade rule at
 * creation, which tasks are due (and in what order), which Scheduled tasks
 * a blackout cancels, and the facts notices carry about a task.
 */

/**
 * A version older than the active one on target rows: refused without
 * allowDowngrade, else created with a warning. Rows with nothing installed
 * or an unreadable version do not count.
 */
export function downgradeCheck(
  spec: Pick<ReleaseSpec, "version" | "allowDowngrade">,
  rows: readonly Pick<CandidateRow, "activeVersion">[],
): { ok: true; warnings: string[] } | { ok: false; error: string } {
  const newer = new Map<string, number>();
  let count = 0;
  for (const row of rows) {
    const active = row.activeVersion;
    if (active === null || semver.valid(active) === null) continue;
    if (!semver.gt(active, spec.version)) continue;
    newer.set(active, (newer.get(active) ?? 0) + 1);
    count++;
  }
  if (count === 0) return { ok: true, warnings: [] };
  const actives = [...newer.keys()].sort(semver.rcompare).join(", ");
  const rowsText = `${count} row${count === 1 ? "" : "s"}`;
  if (!spec.allowDowngrade) {
    return {
      ok: false,
      error: `version ${spec.version} is older than the active ${actives} on ${rowsText}: compatibility with older versions is not guaranteed; create it with --allow-downgrade (API "allowDowngrade": true)`,
    };
  }
  return {
    ok: true,
    warnings: [
      `compatibility with older versions is not guaranteed: ${rowsText} go${count === 1 ? "es" : ""} back from ${actives} to ${spec.version}`,
    ],
  };
}

/** A task the runner starts by its schedule now, and the history reason it gives. */
export interface DueStart {
  readonly id: string;
  readonly due: number;
  readonly reason: string;
}

/**
 * The tasks due at `now`, earliest due first, then by id (numerically):
 * Ready ones with schedule immediately or window (due when created),
 * Scheduled ones whose time has come. `missed`: ids whose time passed
 * while the coordinator was down (their reason says so).
 */
export function dueStarts(
  releases: Iterable<ReleaseRecord>,
  now: number,
  missed: ReadonlySet<string> = new Set(),
): DueStart[] {
  const due: DueStart[] = [];
  for (const release of releases) {
    const schedule = release.spec.schedule;
    if (schedule === null) continue;
    if (release.state === "Ready" && schedule.mode !== "at") {
      due.push({
        id: release.id,
        due: Date.parse(release.createdAt),
        reason: `schedule: ${schedule.mode}`,
      });
    } else if (release.state === "Scheduled" && schedule.mode === "at") {
      const at = Date.parse(schedule.at);
      if (at > now) continue;
      due.push({
        id: release.id,
        due: at,
        reason: missed.has(release.id)
          ? `start missed at ${schedule.at} while the coordinator was down: starting now`
          : `schedule: at ${schedule.at}`,
      });
    }
  }
  return due.sort((a, b) => a.due - b.due || Number(a.id) - Number(b.id));
}

/** Ids of Scheduled (mode at) tasks whose time is not after `now`: at start, missed while down. */
export function missedStarts(releases: readonly ReleaseRecord[], now: number): Set<string> {
  const missed = new Set<string>();
  for (const release of releases) {
    const schedule = release.spec.schedule;
    if (release.state === "Scheduled" && schedule?.mode === "at" && Date.parse(schedule.at) <= now)
      missed.add(release.id);
  }
  return missed;
}

/**
 * Whether a blackout cancels a task (ScheduledTasks.cancelOverlapping):
 * Scheduled for a time inside [from, to), and the blackout covers one of
 * its target rows' groups (a platform one covers every task).
 */
export function blackoutCancels(
  release: ReleaseRecord,
  groups: readonly (string | null)[],
  blackout: BlackoutFact,
): boolean {
  const schedule = release.spec.schedule;
  if (release.state !== "Scheduled" || schedule?.mode !== "at") return false;
  const at = Date.parse(schedule.at);
  if (!(at >= Date.parse(blackout.from) && at < Date.parse(blackout.to))) return false;
  if (blackout.group === null) return true;
  return groups.some((group) => blackoutCoversGroup(blackout, group));
}

/** The groups of rows, each once, sorted; null (rows without a group) kept. */
export function groupsOf(rows: readonly Pick<CandidateRow, "group">[]): (string | null)[] {
  const groups = new Set(rows.map((row) => row.group));
  return [...groups].sort((a, b) => (a ?? "").localeCompare(b ?? ""));
}

/** A task as notices describe it: its schedule, its rows' groups and stores. */
export function taskFacts(
  release: ReleaseRecord,
  rows: readonly Pick<CandidateRow, "group" | "store">[],
): TaskFacts {
  const spec = release.spec;
  const schedule = spec.schedule;
  return {
    id: release.id,
    name: spec.name,
    function: spec.function,
    version: spec.version,
    mode: schedule?.mode ?? null,
    at: schedule?.mode === "at" ? new Date(Date.parse(schedule.at)).toISOString() : null,
    forced: spec.forced,
    redeploy: spec.redeploy,
    createdBy: release.createdBy,
    groups: groupsOf(rows).filter((group): group is string => group !== null),
    stores: [...new Set(rows.map((row) => row.store))].sort(),
    notify: { ...spec.notify },
  };
}
