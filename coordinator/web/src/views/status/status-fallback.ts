import type { Api } from "../../api/client.js";
import {
  type ChangeReport,
  type Counts,
  NO_VERSION,
  type PageAnswer,
  type PageRow,
  type RowRef,
  STATUSES,
  type StatusRow,
} from "./model.js";
import { PAGE_SIZE } from "./view-state.js";

/**
 * The mask on a coordinator without GET /api/status/page and `rows` in
 * change bodies (before CONSOLE-API.md §1/§3 land): the page is cut from
 * GET /api/status in the browser, the allowed versions asked per function
 * and active version from GET /api/versions, and a change of named rows
 * is one request per row (store + workstation + function name exactly one).
 */
export async function pageFromStatus(api: Api, query: Record<string, string>): Promise<PageAnswer> {
  const { sort = "store", dir = "asc", offset: offsetText = "0", ...filters } = query;
  const all = await api("status", { query: filters });
  const counts = Object.fromEntries(
    STATUSES.map((s) => [s, all.filter((r) => r.status === s).length]),
  ) as Counts;
  const field = sort as keyof StatusRow;
  const sign = dir === "desc" ? -1 : 1;
  const sorted = [...all].sort(
    (a, b) => sign * String(a[field] ?? "").localeCompare(String(b[field] ?? "")),
  );
  const offset = Number(offsetText) || 0;
  const slice = sorted.slice(offset, offset + PAGE_SIZE);
  const allowed = new Map<string, Promise<string[]>>();
  const allowedFor = (row: StatusRow) => {
    const key = `${row.function} ${row.activeVersion ?? NO_VERSION}`;
    let found = allowed.get(key);
    if (found === undefined) {
      found = api("versions", {
        query: { function: row.function, "active-version": row.activeVersion ?? NO_VERSION },
      }).then(
        (answer) => answer.versions.map((v) => v.version).filter((v) => v !== NO_VERSION),
        () => [],
      );
      allowed.set(key, found);
    }
    return found;
  };
  const rows: PageRow[] = await Promise.all(
    slice.map(async (row) => ({
      ...row,
      allowedVersions: await allowedFor(row),
      selectable: row.status !== "In Progress",
      storeZone: null,
    })),
  );
  return { total: all.length, offset, limit: PAGE_SIZE, counts, rows };
}

/** One request per named row, the reports joined. */
export async function perRow(
  rows: readonly RowRef[],
  send: (filters: {
    store: string[];
    workstation: string[];
    function: string[];
  }) => Promise<ChangeReport>,
): Promise<ChangeReport> {
  const reports = await Promise.all(
    rows.map((r) =>
      send({ store: [r.store], workstation: [r.workstation], function: [r.function] }),
    ),
  );
  return {
    changed: reports.flatMap((r) => r.changed),
    skipped: reports.flatMap((r) => r.skipped),
    dryRun: reports[0]?.dryRun ?? false,
  };
}
