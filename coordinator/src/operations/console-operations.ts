import type { Result } from "@tillroll/protocol";
import type { Operator } from "../accounts/identity.js";
import type { StatusPageRequest } from "../api/console-requests.js";
import type { RetryRequest, SetPreferredRequest } from "../api/requests.js";
import type { AuditEntry } from "../audit/audit-log.js";
import type { Filters } from "../fleet/filters.js";
import type { FleetFacets, StatusPage } from "../fleet/fleet-page.js";
import type { StatusRow } from "../fleet/status-table.js";
import type { PackRecord } from "../packs/pack-record.js";
import { Enrolling } from "./enrolling.js";
import { FleetQueries } from "./fleet-queries.js";
import {
  type ChangeReport,
  type EnrolInput,
  type EnrolResult,
  type OperationsDeps,
  recordAction,
  type VersionsReport,
} from "./operations-deps.js";
import { RowChanges } from "./row-changes.js";

export type {
  ChangeReport,
  EnrolInput,
  EnrolResult,
  OperationsDeps,
  VersionsReport,
} from "./operations-deps.js";

/**
 * The console's operations, one entry point for the HTTP server: enrolment
 * (enrolling.ts), reads (fleet-queries.ts), changes of preferred versions
 * (row-changes.ts) and pack publishing. Each validates, decides with a pure
 * planner, persists, publishes and audits.
 */
export class ConsoleOperations {
  private readonly enrolling: Enrolling;
  private readonly queries: FleetQueries;
  private readonly changes: RowChanges;

  constructor(private readonly deps: OperationsDeps) {
    this.enrolling = new Enrolling(deps);
    this.queries = new FleetQueries(deps);
    this.changes = new RowChanges(deps);
  }

  enrol(input: EnrolInput, who: Operator): Promise<Result<EnrolResult>> {
    return this.enrolling.enrol(input, who);
  }

  enrolMany(inputs: readonly EnrolInput[], who: Operator): Promise<Result<EnrolResult[]>> {
    return this.enrolling.enrolMany(inputs, who);
  }

  async publishPack(filePath: string, who: Operator): Promise<Result<PackRecord>> {
    const published = await this.deps.packs.publish(filePath);
    if (published.ok) {
      const { name, version, sha256 } = published.value;
      await recordAction(
        this.deps,
        who,
        "pack publish",
        { name, version, sha256 },
        [`${name}@${version}`],
        0,
      );
    }
    return published;
  }

  status(filters: Filters, viewer: Operator): Promise<Result<StatusRow[]>> {
    return this.queries.status(filters, viewer);
  }

  statusPage(request: StatusPageRequest, viewer: Operator): Promise<Result<StatusPage>> {
    return this.queries.statusPage(request, viewer);
  }

  facets(viewer: Operator): Promise<Result<FleetFacets>> {
    return this.queries.facets(viewer);
  }

  versions(
    filters: Filters & { function: readonly [string] },
    viewer: Operator,
  ): Promise<Result<VersionsReport>> {
    return this.queries.versions(filters, viewer);
  }

  setPreferred(request: SetPreferredRequest, who: Operator): Promise<Result<ChangeReport>> {
    return this.changes.setPreferred(request, who);
  }

  retry(request: RetryRequest, who: Operator): Promise<Result<ChangeReport>> {
    return this.changes.retry(request, who);
  }

  auditEntries(
    viewer: Operator,
    operator?: string,
    range?: { from?: string | undefined; to?: string | undefined },
  ): Promise<AuditEntry[]> {
    return this.queries.auditEntries(viewer, operator, range);
  }
}
