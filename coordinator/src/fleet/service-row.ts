import {
  type AppliedRecipe,
  appliedRecipeSchema,
  err,
  functionNameSchema,
  groupSchema,
  ok,
  type Phase,
  type Result,
  type Status,
  serviceStatusSchema,
  storeIdSchema,
  validate,
  workstationIdSchema,
} from "@tillroll/protocol/pure";
import { z } from "zod";
import { ShapeMemo } from "./shape-memo.js";

/**
 * One row of the fleet inventory: one flow service on one workstation, as
 * the coordinator knows it (the agent's last report, the preferred version
 * the coordinator asked for, the store's business unit group and whether the
 * agent is connected). The Status Overview shows exactly these rows.
 */
export interface ServiceRow {
  readonly store: string;
  readonly workstation: string;
  readonly function: string;
  /** What runs now; null before a first install. */
  readonly activeVersion: string | null;
  /** What the coordinator wants; null is "-" (no update planned). */
  readonly preferredVersion: string | null;
  readonly status: Status;
  /** Where an In Progress update is; null for every other status. */
  readonly phase: Phase | null;
  /** Percent of the current phase when known (downloading). */
  readonly progress: number | null;
  /** Why: the Not Ready cause, or the failure of a Rolled Back / Failed update. */
  readonly reason: string | null;
  /** Earliest moment the update may start (ISO 8601 UTC); null when none is planned. */
  readonly validFrom: string | null;
  readonly requestId: string | null;
  /** The store's business unit group (`DE/North`); null when the store has none. */
  readonly group: string | null;
  /** Whether the workstation's agent is connected (presence), not a status. */
  readonly online: boolean;
  /** When this row last changed (ISO 8601 UTC). */
  readonly updatedAt: string;
  /**
   * Issue 13: the recipe the active release was built with (status
   * `recipe`); null: none; absent: the agent never said (an older agent).
   */
  readonly appliedRecipe?: AppliedRecipe | null;
}

/** The identifying part of a row. */
export interface ServiceRef {
  readonly store: string;
  readonly workstation: string;
  readonly function: string;
}

/**
 * `store/workstation/function`, e.g. `1001/01/pos-client`. Unambiguous: none
 * of the three ids may contain `/`.
 */
export function rowKey(ref: ServiceRef): string {
  return `${ref.store}/${ref.workstation}/${ref.function}`;
}

/** The three ids of a row key, or undefined when `key` is not one. */
export function parseRowKey(key: string): ServiceRef | undefined {
  const parts = key.split("/");
  if (parts.length !== 3) return undefined;
  const [store, workstation, fn] = parts as [string, string, string];
  if (!storeIdSchema.safeParse(store).success) return undefined;
  if (!workstationIdSchema.safeParse(workstation).success) return undefined;
  if (!functionNameSchema.safeParse(fn).success) return undefined;
  return { store, workstation, function: fn };
}

/**
 * Compares rows by store, then workstation, then function (code-unit order):
 * the order every listing of the fleet uses.
 */
export function compareRows(a: ServiceRef, b: ServiceRef): number {
  return (
    compareText(a.store, b.store) ||
    compareText(a.workstation, b.workstation) ||
    compareText(a.function, b.function)
  );
}

function compareText(a: string, b: string): number {
  if (a < b) return -1;
  if (a > b) return 1;
  return 0;
}

/**
 * A single string whose code-unit order is the order of `compareRows`: the
 * ids joined by U+0000, which sorts below every character an id may hold.
 */
export function rowSortKey(ref: ServiceRef): string {
  return `${ref.store}\u0000${ref.workstation}\u0000${ref.function}`;
}

/** The same string, or the one copy of it a pool keeps (fleet/string-pool.ts). */
export type Intern = <T extends string | null>(text: T) => T;

const asIs: Intern = (text) => text;

/**
 * A frozen copy of `row` with exactly the row's fields (extra properties of
 * the object passed in are left behind), its repeated values passed through
 * `intern` (the fleet table's pool; the request id is unique to a request).
 */
export function freezeRow(row: ServiceRow, intern: Intern = asIs): ServiceRow {
  // A plain literal, one shape for every row (no spread): this runs once per row of a
  // 100,000-row table, and the queries walk these objects.
  const copy: { -readonly [K in keyof ServiceRow]: ServiceRow[K] } = {
    store: intern(row.store),
    workstation: intern(row.workstation),
    function: intern(row.function),
    activeVersion: intern(row.activeVersion),
    preferredVersion: intern(row.preferredVersion),
    status: intern(row.status),
    phase: intern(row.phase),
    progress: row.progress,
    reason: intern(row.reason),
    validFrom: intern(row.validFrom),
    requestId: row.requestId,
    group: intern(row.group),
    online: row.online,
    updatedAt: intern(row.updatedAt),
  };
  // Only when known: rows of agents that never report a recipe keep their bytes.
  if (row.appliedRecipe !== undefined) copy.appliedRecipe = row.appliedRecipe;
  return Object.freeze(copy);
}

/** Statuses that must say why (as in the agent's status document). */
const NEEDS_REASON: ReadonlySet<Status> = new Set<Status>(["Not Ready", "Rolled Back", "Failed"]);

const status = serviceStatusSchema.shape;

/**
 * Validates a row read from disk. Field rules are the protocol's (ids,
 * semver versions, timestamps, group paths) and so are the status rules:
 * phase is set exactly when In Progress; Not Ready, Rolled Back and Failed
 * carry a reason.
 */
const rowShape = {
  store: storeIdSchema,
  workstation: workstationIdSchema,
  function: functionNameSchema,
  activeVersion: status.activeVersion,
  preferredVersion: status.preferredVersion,
  status: status.status,
  phase: status.phase,
  progress: status.progress,
  reason: status.reason,
  validFrom: status.validFrom,
  requestId: status.requestId,
  group: groupSchema.nullable(),
  online: z.boolean(),
  updatedAt: status.updatedAt,
  appliedRecipe: appliedRecipeSchema.nullable().optional(),
};

/** The status rules of a row whose fields are each valid: what breaks them, by field. */
function ruleBreaks(row: Pick<ServiceRow, "status" | "phase" | "reason">): {
  path: string;
  message: string;
}[] {
  const breaks: { path: string; message: string }[] = [];
  if (row.status === "In Progress" && row.phase === null) {
    breaks.push({ path: "phase", message: "is required when status is In Progress" });
  }
  if (row.status !== "In Progress" && row.phase !== null) {
    breaks.push({ path: "phase", message: `must be null when status is ${row.status}` });
  }
  if (NEEDS_REASON.has(row.status) && row.reason === null) {
    breaks.push({ path: "reason", message: `is required when status is ${row.status}` });
  }
  return breaks;
}

export const serviceRowSchema = z.strictObject(rowShape).superRefine((row, ctx) => {
  for (const { path, message } of ruleBreaks(row)) {
    ctx.addIssue({ code: "custom", path: [path], message });
  }
});

/**
 * Validates one row; the error names each wrong field. (The return type
 * also checks at compile time that the schema's output is a ServiceRow.)
 */
export function validateRow(data: unknown): Result<ServiceRow> {
  return validate(serviceRowSchema, data);
}

/**
 * Validates a list of rows (a fleet file): every row must be valid and no
 * key may appear twice. Errors are prefixed with the row's index.
 */
export function validateRows(data: unknown): Result<ServiceRow[]> {
  if (!Array.isArray(data)) return err("fleet rows: expected an array");
  const rows: ServiceRow[] = [];
  const seen = new Map<string, number>();
  const errors: string[] = [];
  const memo = new ShapeMemo(rowShape);
  data.forEach((item: unknown, index) => {
    // The memo's field-by-field check first; the full schema for what it does not pass.
    const quick = memo.parse(item) as ServiceRow | undefined;
    const parsed: Result<ServiceRow> =
      quick !== undefined && ruleBreaks(quick).length === 0 ? ok(quick) : validateRow(item);
    if (!parsed.ok) {
      for (const line of parsed.error.split("\n")) errors.push(`rows[${index}]: ${line}`);
      return;
    }
    const key = rowKey(parsed.value);
    const first = seen.get(key);
    if (first !== undefined) {
      errors.push(`rows[${index}]: duplicate key ${key} (also rows[${first}])`);
      return;
    }
    seen.set(key, index);
    rows.push(parsed.value);
  });
  if (errors.length > 0) return err(errors.join("\n"));
  return ok(rows);
}
