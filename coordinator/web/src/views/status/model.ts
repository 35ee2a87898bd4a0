import { type Answer, STATUSES, type Status } from "../../../../src/api/contract.js";

/**
 * The status mask's data, as the coordinator answers it: page rows are the
 * status rows of GET /api/status plus what the mask needs per row (the
 * versions it may be set to, whether it may be selected, the store's zone).
 */
export type StatusRow = Answer<"status">[number];

/** One event of GET /api/events, by its name. */
export type LiveEvent<E extends Answer<"events">["event"]> = Extract<
  Answer<"events">,
  { event: E }
>;

export type PageAnswer = Answer<"statusPage">;

/** A row of the mask: the status row, the versions it may be set to, whether it may be selected, the store's zone. */
export type PageRow = PageAnswer["rows"][number];

export type Counts = PageAnswer["counts"];

export type Facets = Answer<"statusFacets">;

export type ChangeReport = Answer<"setPreferred">;
export type RowChange = ChangeReport["changed"][number];

export type InstallLogLine = Answer<"installLog">["lines"][number];

/** The six statuses, in the order the counts show them: the protocol's list, not a copy. */
export { STATUSES, type Status };

/** The statuses a Retry restarts (the seed: Failed, Rolled Back, Not Ready). */
export const RETRYABLE: ReadonlySet<Status> = new Set<Status>([
  "Failed",
  "Rolled Back",
  "Not Ready",
]);

/** What names a row in a change request. */
export interface RowRef {
  store: string;
  workstation: string;
  function: string;
}

/** `1001/01/pos-client`: the key rows are named by (data-row, labels, SSE `gone`). */
export function rowKey(row: RowRef): string {
  return `${row.store}/${row.workstation}/${row.function}`;
}

export function refOf(row: RowRef): RowRef {
  return { store: row.store, workstation: row.workstation, function: row.function };
}

/** "-" for no version (the seed's "no update planned"). */
export const NO_VERSION = "-";

/** Newest first, by the numeric parts of a semver version (pre-releases after their release). */
export function compareVersionsDesc(a: string, b: string): number {
  const parse = (v: string) => {
    const [core = "", pre] = v.split("-", 2);
    return { parts: core.split(".").map((n) => Number.parseInt(n, 10) || 0), pre };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 3; i++) {
    const d = (y.parts[i] ?? 0) - (x.parts[i] ?? 0);
    if (d !== 0) return d;
  }
  if (x.pre === y.pre) return 0;
  if (x.pre === undefined) return -1;
  if (y.pre === undefined) return 1;
  return y.pre.localeCompare(x.pre);
}
