import { allowedVersions, ok, type Result } from "@tillroll/protocol";
import { filterByOperator } from "../accounts/audit-identity.js";
import type { Operator } from "../accounts/identity.js";
import { filterReadable } from "../accounts/scope.js";
import type { StatusPageRequest } from "../api/console-requests.js";
import type { AuditEntry } from "../audit/audit-log.js";
import type { Filters } from "../fleet/filters.js";
import type { FleetFacets, StatusPage } from "../fleet/fleet-page.js";
import type { ServiceRow } from "../fleet/service-row.js";
import type { ScheduledMark, StatusRow } from "../fleet/status-table.js";
import { pageRowMaker } from "../live/page-row.js";
import { wsKey } from "../state/coordinator-state.js";
import { AUDIT_ANSWER_LIMIT, readableAudit } from "./audit-scope.js";
import { type OperationsDeps, offeredPacks, type VersionsReport } from "./operations-deps.js";
import { newestFirst } from "./version-order.js";

/** Without schedules: no store has a zone. */
const NO_SCHEDULES = { windowFor: () => null, storeSetting: () => null };

/** The console's reads: rows, versions and audit, each only within the viewer's scope. */
export class FleetQueries {
  constructor(private readonly deps: OperationsDeps) {}

  async status(filters: Filters, viewer: Operator): Promise<Result<StatusRow[]>> {
    const scheduled = this.deps.scheduledMarks?.() ?? (() => null);
    // Issue 13: the recipe mark, only where a recipe source is wired (rows keep their shape otherwise).
    const recipe = await this.deps.recipes?.marker();
    return ok(
      filterReadable(viewer, await this.deps.fleet.query(filters)).map((row) => {
        const shown = this.statusRow(row, scheduled);
        return recipe === undefined ? shown : { ...shown, recipe: recipe(row) };
      }),
    );
  }

  /**
   * One page of the Status Overview (the web console): the view's total and
   * counts by status over every page, and the page's rows with what their
   * controls need. Versions are worked out only for the page's rows, each
   * function's packs read once.
   */
  async statusPage(request: StatusPageRequest, viewer: Operator): Promise<Result<StatusPage>> {
    const page = await this.deps.fleet.page(request.filters, viewer.scope, request);
    // The same rows the live stream sends (live/page-row.ts): one builder for both.
    const pageRow = await pageRowMaker(
      {
        isOnline: this.deps.isOnline,
        lastReport: this.deps.lastReport,
        scheduledMarks: this.deps.scheduledMarks,
        packsOf: (fn) => offeredPacks(this.deps, fn),
        schedules: this.deps.schedules ?? NO_SCHEDULES,
      },
      page.rows.map((row) => row.function),
    );
    return ok({
      total: page.total,
      offset: request.offset,
      limit: request.limit,
      counts: page.counts,
      rows: page.rows.map(pageRow),
    });
  }

  /** The groups, functions and versions in the viewer's scope (the filter bar's suggestions). */
  async facets(viewer: Operator): Promise<Result<FleetFacets>> {
    return ok(await this.deps.fleet.facets(viewer.scope));
  }

  /** A fleet row as the overview shows it: with presence, last report and scheduled task. */
  private statusRow(
    row: ServiceRow,
    scheduled: (row: ServiceRow) => ScheduledMark | null,
  ): StatusRow {
    const key = wsKey(row);
    return {
      ...row,
      online: this.deps.isOnline(key),
      lastReport: this.deps.lastReport(key),
      scheduled: scheduled(row),
    };
  }

  async versions(
    filters: Filters & { function: readonly [string] },
    viewer: Operator,
  ): Promise<Result<VersionsReport>> {
    const fn = filters.function[0];
    const rows = filterReadable(viewer, await this.deps.fleet.query(filters));
    const packs = await offeredPacks(this.deps, fn);
    const counts = new Map<string, number>();
    for (const row of rows.length > 0 ? rows : [null]) {
      for (const version of allowedVersions(row?.activeVersion ?? null, packs)) {
        counts.set(version, (counts.get(version) ?? 0) + (row === null ? 0 : 1));
      }
    }
    const versions = newestFirst([...counts.keys()]).map((version) => ({
      version,
      rows: counts.get(version) ?? 0,
    }));
    return ok({ function: fn, rows: rows.length, versions });
  }

  /**
   * The audit as `viewer` may read it (scope, issue 9), of one operator when
   * `operator` is given, within `range` (inclusive ISO 8601 instants, issue 12).
   */
  async auditEntries(
    viewer: Operator,
    operator?: string,
    range: { from?: string | undefined; to?: string | undefined } = {},
  ): Promise<AuditEntry[]> {
    const entries = await this.deps.audit.list({ limit: Number.POSITIVE_INFINITY });
    const from = range.from === undefined ? -Infinity : Date.parse(range.from);
    const to = range.to === undefined ? Infinity : Date.parse(range.to);
    const inRange =
      range.from === undefined && range.to === undefined
        ? entries
        : entries.filter((entry) => {
            const at = Date.parse(entry.at);
            return at >= from && at <= to;
          });
    const theirs = operator === undefined ? inRange : filterByOperator(inRange, operator);
    // The enrolled workstations' groups, read once (a removed one's comes from its entry).
    const groups = new Map<string, string | null>();
    if (viewer.scope !== null)
      for (const ws of await this.deps.workstations.list()) groups.set(wsKey(ws), ws.group);
    return readableAudit(viewer, theirs, (key) => groups.get(key)).slice(-AUDIT_ANSWER_LIMIT);
  }
}
