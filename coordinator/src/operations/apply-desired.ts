import { randomBytes } from "node:crypto";
import type { Artifact, DrainPolicy, MaintenanceWindow, Status } from "@tillroll/protocol";
import { rowKey, type ServiceRow } from "../fleet/service-row.js";
import { type DesiredEntry, type WorkstationRecord, wsKey } from "../state/coordinator-state.js";
import type { DesiredChange } from "../store/desired-store.js";
import { isoNow, type OperationsDeps } from "./operations-deps.js";

/** What applying desired state needs: the stores, the publisher, the coordinator's facts. */
export type ApplyDeps = Pick<
  OperationsDeps,
  | "workstations"
  | "desiredState"
  | "fleet"
  | "packs"
  | "desired"
  | "packBaseUrl"
  | "now"
  | "isOnline"
  | "recipes"
>;

/**
 * Which request a changed row carries: one given (a release's deterministic
 * id, so applying it twice is one request), a new random one, or the one its
 * desired entry carries now (a new one when it has none).
 */
export type RequestChoice =
  | { readonly kind: "given"; readonly requestId: string }
  | { readonly kind: "new" }
  | { readonly kind: "keep" };

/** One row's new desired state. */
export interface DesiredRowChange {
  readonly store: string;
  readonly workstation: string;
  readonly function: string;
  /** null: "-" (no update planned); the entry then carries no request and no valid-from. */
  readonly preferredVersion: string | null;
  /** What the row shows until its agent reports (Prepared, or OK / Failed for "-"). */
  readonly status: Status;
  readonly request: RequestChoice;
  /** When the update may start (ISO 8601); null: the entry's current one, else now. */
  readonly validFrom: string | null;
  /** Issue 11: the store's maintenance window (window-mode release); absent or null: none. */
  readonly window?: MaintenanceWindow | null | undefined;
  /** Issue 11: reinstall even when the version is active (redeploy release). */
  readonly redeploy?: boolean | undefined;
  /** Issue 13: the drain policy; sent only to an agent whose presence lists "drain". */
  readonly drain?: DrainPolicy | null | undefined;
}

export interface ApplyOptions {
  /**
   * Resolve once the desired state and rows are durable, and publish the
   * documents after (queued in seq order, failures logged): an operator's
   * 10,000-row change answers in well under a second however busy the
   * broker is. Safe because documents are built from the stored desired
   * state and all are published again on start. Default: resolve once the
   * broker has every document (release tasks, which plan on what was sent).
   */
  readonly publishAfterAnswer?: boolean;
}

/**
 * Applies desired-state changes, in the order that loses nothing: the
 * entries and the seqs of the documents that carry them are written in one
 * durable change, then the rows (one durable journal append), then the
 * documents are published (or queued: ApplyOptions). A workstation removed since the change was
 * planned gets nothing back. Resolves with the row keys applied. The one
 * place both the console's changes (row-changes.ts) and release tasks write
 * desired state.
 */
export async function applyDesired(
  deps: ApplyDeps,
  changes: readonly DesiredRowChange[],
  options: ApplyOptions = {},
): Promise<string[]> {
  if (changes.length === 0) return [];
  const touchedWs = new Set<string>();
  const entries: DesiredChange[] = [];
  const rows: ServiceRow[] = [];
  // Read once per workstation and pack, not once per row: a change may reach 10,000 rows.
  const recordOf = new Map<string, WorkstationRecord | undefined>();
  const artifacts = new Map<string, Artifact | null>();
  // Issue 13: the recipes as stored now, resolved per row below.
  const recipeFor = await deps.recipes?.snapshot();
  // The rows in one read, and one timestamp for the change: 10,000 reads and clocks add up.
  const current = await deps.fleet.getMany(changes.map((change) => rowKey(change)));
  // Every workstation's desired services in one read too (one query on PostgreSQL).
  const desiredOf = await deps.desiredState.servicesOfMany(changes);
  const now = isoNow(deps);
  const newRequestId = requestIds(changes.length);
  for (const change of changes) {
    const key = wsKey(change);
    if (!recordOf.has(key)) recordOf.set(key, await deps.workstations.get(change));
    const before = desiredOf.get(key)?.[change.function];
    const row = current.get(rowKey(change));
    const version = change.preferredVersion;
    const packKey = `${change.function}@${version}`;
    if (version !== null && !artifacts.has(packKey))
      artifacts.set(packKey, await artifactOf(deps, change.function, version));
    const artifact = version === null ? null : (artifacts.get(packKey) ?? null);
    const requestId = version === null ? null : chooseRequest(change.request, before, newRequestId);
    const from = version === null ? null : (change.validFrom ?? before?.validFrom ?? now);
    const group = row?.group ?? recordOf.get(key)?.group ?? null;
    // A new request takes the effective recipe of now; the same request (kept, or a release's
    // send applied again) keeps the one it was made with: the agent installs only on a new
    // request, so the entry says what that request asked for.
    const recipe =
      version === null
        ? undefined
        : before !== undefined && before.requestId === requestId
          ? (before.recipe ?? undefined)
          : recipeFor?.({ ...change, group });
    entries.push({
      ref: { store: change.store, workstation: change.workstation },
      function: change.function,
      // window / redeploy only when set: every other entry keeps its bytes.
      entry: {
        preferredVersion: version,
        validFrom: from,
        requestId,
        artifact,
        ...(version !== null && change.window != null
          ? { window: { ...change.window, days: [...change.window.days] } }
          : {}),
        ...(version !== null && change.redeploy === true ? { redeploy: true } : {}),
        ...(recipe == null ? {} : { recipe }),
        ...(version !== null &&
        change.drain != null &&
        recordOf.get(key)?.capabilities?.includes("drain") === true
          ? { drain: { ...change.drain } }
          : {}),
      },
    });
    touchedWs.add(key);
    rows.push({
      store: change.store,
      workstation: change.workstation,
      function: change.function,
      activeVersion: row?.activeVersion ?? null,
      preferredVersion: version,
      status: change.status,
      phase: null,
      progress: null,
      reason: change.status === "Failed" ? (row?.reason ?? "update failed") : null,
      validFrom: from,
      requestId,
      group,
      online: deps.isOnline(key),
      updatedAt: now,
      // A new request changes what is wanted, not what runs: the applied recipe stays.
      ...(row?.appliedRecipe === undefined ? {} : { appliedRecipe: row.appliedRecipe }),
    });
  }
  // Write before you act: the desired state and the seqs of the documents
  // that carry it are durable (one write) before anything is published, and
  // so are the rows (one journal append): a success answer loses nothing.
  const refs = [...touchedWs].map((key) => {
    const [store = "", workstation = ""] = key.split("/");
    return { store, workstation };
  });
  const { firstSeq } = await deps.desiredState.applyChange({ entries, documents: refs.length });
  // A workstation removed since the plan was made (workstation remove) gets nothing back.
  const stillEnrolled = new Set<string>();
  for (const ref of refs)
    if ((await deps.workstations.get(ref)) !== undefined) stillEnrolled.add(wsKey(ref));
  const enrolled = (ref: { store: string; workstation: string }) => stillEnrolled.has(wsKey(ref));
  const applied = rows.filter(enrolled);
  // Each row is a stored row (checked when it was stored) with fields of a checked plan, a
  // stored pack and this clock: nothing from outside that was not checked already.
  await deps.fleet.upsertRows(applied, { madeHere: true });
  if (options.publishAfterAnswer === true)
    deps.desired.sendAfterAnswer(refs.filter(enrolled), firstSeq);
  else await deps.desired.send(refs.filter(enrolled), firstSeq);
  return applied.map((row) => rowKey(row));
}

function chooseRequest(
  choice: RequestChoice,
  before: DesiredEntry | undefined,
  newRequestId: () => string,
): string {
  switch (choice.kind) {
    case "given":
      return choice.requestId;
    case "new":
      return newRequestId();
    case "keep":
      return before?.requestId ?? newRequestId();
  }
}

async function artifactOf(deps: ApplyDeps, fn: string, version: string): Promise<Artifact | null> {
  const pack = await deps.packs.get({ name: fn, version });
  if (pack === undefined) return null;
  return {
    url: `${deps.packBaseUrl}/packs/${pack.sha256}.tgz`,
    sha256: pack.sha256,
    size: pack.size,
  };
}

/**
 * Up to `count` new request ids (`r-` and 12 hex digits, random), drawn from
 * one buffer: one randomBytes call per change, not per row.
 */
function requestIds(count: number): () => string {
  const hex = randomBytes(6 * count).toString("hex");
  let next = 0;
  return () => {
    const id =
      next < count
        ? `r-${hex.slice(next * 12, next * 12 + 12)}`
        : `r-${randomBytes(6).toString("hex")}`;
    next++;
    return id;
  };
}
