import { applyAction, type PackVersionInfo } from "@tillroll/protocol";
import { compileFilters } from "../fleet/filters.js";
import { compareRows, rowKey, type ServiceRow } from "../fleet/service-row.js";
import { planSetPreferred } from "../operations/plan-changes.js";
import {
  CAPABILITY,
  LACKS_RECIPE,
  LACKS_REDEPLOY,
  LACKS_WINDOW,
  NO_CONTEXT,
  understands,
} from "./release-context.js";
import type {
  CandidateRow,
  MemberRecord,
  ReleaseContext,
  ReleaseRecord,
  ReleaseSpec,
  SkippedRow,
  StageSpec,
} from "./release-model.js";

/**
 * The rows a stage takes when it starts (fixed from then on): the
 * candidates of the release's function matching the stage's own target,
 * minus rows of an earlier stage; a percent / count stage takes whole stores
 * (a store is never split between stages) in an order spread by a hash of
 * (release id, store). Rows it cannot send to are skipped with the reason
 * (another release holds them; set-preferred's rules: In Progress, already
 * active, not allowed by the descriptor).
 */

export interface StageSelection {
  readonly members: MemberRecord[];
  readonly skipped: SkippedRow[];
}

export interface SelectionInput {
  readonly release: ReleaseRecord;
  readonly stageIndex: number;
  readonly candidates: readonly CandidateRow[];
  readonly heldBy: (key: string) => { id: string; name: string } | undefined;
  readonly packs: readonly PackVersionInfo[];
  /** Windows and agents' capabilities (issue 11); absent: NO_CONTEXT. */
  readonly context?: ReleaseContext | undefined;
}

/**
 * A redeploy's row already on the version (issue 11): a member unless its
 * status forbids a change (In Progress), no pack of the version is offered,
 * or its agent would not understand `redeploy` (it would answer OK at once).
 */
function redeploySkip(
  row: CandidateRow,
  spec: ReleaseSpec,
  packs: readonly PackVersionInfo[],
  context: ReleaseContext,
): string | null {
  const outcome = applyAction(
    { status: row.status, preferredVersion: row.preferredVersion },
    { kind: "set-preferred", version: spec.version },
  );
  if (!outcome.allowed) return outcome.reason;
  if (!packs.some((pack) => pack.version === spec.version))
    return `no published pack ${spec.function} ${spec.version}`;
  if (!understands(context, row.store, row.workstation, CAPABILITY.redeploy)) return LACKS_REDEPLOY;
  return null;
}

/**
 * A rebuild release's row (issue 13): a member when it runs the release's
 * version and could be redeployed, and its agent applies recipes.
 */
function rebuildSkip(
  row: CandidateRow,
  spec: ReleaseSpec,
  packs: readonly PackVersionInfo[],
  context: ReleaseContext,
): string | null {
  if (row.activeVersion !== spec.version)
    return `runs ${row.activeVersion ?? "nothing"}, not ${spec.version}: a rebuild keeps the version`;
  const redeploy = redeploySkip(row, spec, packs, context);
  if (redeploy !== null) return redeploy;
  if (!understands(context, row.store, row.workstation, CAPABILITY.recipe)) return LACKS_RECIPE;
  return null;
}

/** Window mode (issue 11): the store's window, or why the row cannot take part. */
function windowOf(
  row: CandidateRow,
  context: ReleaseContext,
): { window: NonNullable<MemberRecord["window"]> } | { skip: string } {
  const window = context.windowFor(row.store, row.group);
  if (window === null)
    return { skip: `store ${row.store} has no maintenance window (schedule mode window)` };
  if (!understands(context, row.store, row.workstation, CAPABILITY.window))
    return { skip: LACKS_WINDOW };
  return { window };
}

/** FNV-1a (32 bit): a stable, well-spread order of stores for one release. */
export function storeHash(releaseId: string, store: string): number {
  let hash = 0x811c9dc5;
  const text = `${releaseId}\u0000${store}`;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** How many rows a percent / count stage needs of `available` (undefined: all). */
export function rowsWanted(stage: StageSpec, available: number): number | undefined {
  if (stage.count !== undefined) return stage.count;
  // p × n / 100, rounded up; the epsilon keeps 10% of 10 at 1 (binary fractions).
  if (stage.percent !== undefined)
    return Math.max(0, Math.ceil((stage.percent * available) / 100 - 1e-9));
  return undefined;
}

/** Whole stores, in hash order, until at least `wanted` rows are taken. */
export function takeWholeStores(
  releaseId: string,
  rows: readonly CandidateRow[],
  wanted: number,
): CandidateRow[] {
  const byStore = new Map<string, CandidateRow[]>();
  for (const row of rows) {
    const list = byStore.get(row.store);
    if (list === undefined) byStore.set(row.store, [row]);
    else list.push(row);
  }
  const stores = [...byStore.keys()]
    .map((store) => ({ store, hash: storeHash(releaseId, store) }))
    .sort((a, b) => a.hash - b.hash || (a.store < b.store ? -1 : a.store > b.store ? 1 : 0));
  const taken: CandidateRow[] = [];
  for (const { store } of stores) {
    if (taken.length >= wanted) break;
    for (const row of byStore.get(store) as CandidateRow[]) taken.push(row);
  }
  return taken;
}

/** A CandidateRow as the filters read a fleet row (fields they do not test left empty). */
function asServiceRow(row: CandidateRow): ServiceRow {
  // A plain literal (no spread): this runs once per candidate of a 10,000-row stage.
  return {
    store: row.store,
    workstation: row.workstation,
    function: row.function,
    activeVersion: row.activeVersion,
    preferredVersion: row.preferredVersion,
    status: row.status,
    phase: null,
    progress: null,
    reason: null,
    validFrom: row.validFrom ?? null,
    requestId: null,
    group: row.group,
    online: true,
    updatedAt: "",
  };
}

export function selectStageMembers(input: SelectionInput): StageSelection {
  const { release, stageIndex } = input;
  const spec = release.spec;
  const stage = spec.stages[stageIndex] as StageSpec;
  const earlier = new Set<string>();
  for (const previous of release.stages.slice(0, stageIndex)) {
    for (const member of previous.members) earlier.add(member.key);
    for (const skipped of previous.skipped) earlier.add(skipped.key);
  }
  // The caller passes rows matching the release's target; checked again here
  // (one compiled test per filter set, O(rows)) so a release never sends
  // outside its target whatever it is given.
  const inTarget = compileFilters(spec.target);
  const narrow = stage.target === undefined ? undefined : compileFilters(stage.target);
  const seen = new Set<string>();
  const available: CandidateRow[] = [];
  for (const row of input.candidates) {
    if (row.function !== spec.function) continue;
    const key = rowKey(row);
    if (earlier.has(key) || seen.has(key)) continue;
    const asRow = asServiceRow(row);
    if (!inTarget(asRow)) continue;
    if (narrow !== undefined && !narrow(asRow)) continue;
    seen.add(key);
    available.push(row);
  }
  const wanted = rowsWanted(stage, available.length);
  const chosen = wanted === undefined ? available : takeWholeStores(release.id, available, wanted);
  chosen.sort(compareRows);
  // set-preferred's decision depends only on status, preferred and active
  // version (the version and packs are the release's): asked once per
  // combination, not once per row (its semver checks dominate a 10,000-row stage).
  const decisions = new Map<string, string | null>();
  const skipReason = (row: CandidateRow): string | null => {
    const memo = `${row.status}\u0000${row.preferredVersion ?? "-"}\u0000${row.activeVersion ?? "-"}`;
    let reason = decisions.get(memo);
    if (reason === undefined) {
      const [change] = planSetPreferred([row], spec.version, input.packs);
      reason = change?.kind === "skip" ? change.reason : null;
      decisions.set(memo, reason);
    }
    return reason;
  };
  const context = input.context ?? NO_CONTEXT;
  const windowMode = spec.schedule?.mode === "window";
  const members: MemberRecord[] = [];
  const skipped: SkippedRow[] = [];
  for (const row of chosen) {
    const key = rowKey(row);
    const holder = input.heldBy(key);
    if (holder !== undefined && holder.id !== release.id) {
      skipped.push({ key, reason: `in release task ${holder.id} ${JSON.stringify(holder.name)}` });
      continue;
    }
    const reason =
      spec.kind === "rebuild"
        ? rebuildSkip(row, spec, input.packs, context)
        : spec.redeploy && row.activeVersion === spec.version
          ? redeploySkip(row, spec, input.packs, context)
          : skipReason(row);
    if (reason !== null) {
      skipped.push({ key, reason });
      continue;
    }
    const windowed = windowMode ? windowOf(row, context) : null;
    if (windowed !== null && "skip" in windowed) {
      skipped.push({ key, reason: windowed.skip });
      continue;
    }
    const record: MemberRecord = {
      key,
      store: row.store,
      workstation: row.workstation,
      previousVersion: row.activeVersion,
      requestId: null,
      sentAt: null,
      attempt: 0,
      group: row.group,
    };
    members.push(windowed === null ? record : { ...record, window: windowed.window });
  }
  return { members, skipped };
}
