import type { RequestQuery } from "../../../../src/api/contract.js";
import type { Api } from "../../api/client.js";
import type { ChangeReport, Facets, InstallLogLine, PageAnswer, RowRef } from "./model.js";

/**
 * The mask's calls to the coordinator, by route name (the client parses every
 * answer with the route's schema). Changes always name their rows (`rows`),
 * so a change made from a selection reaches exactly those rows.
 */

/** One page of the view: the filters, sort and offset as the address bar has them. */
export function loadPage(api: Api, query: Record<string, string>): Promise<PageAnswer> {
  return api("statusPage", { query: query as RequestQuery<"statusPage"> });
}

/** Suggestions for the filter bar's lists (groups, functions, versions in the caller's scope). */
export function loadFacets(api: Api): Promise<Facets> {
  return api("statusFacets");
}

export function setPreferred(
  api: Api,
  input: {
    function: string;
    version: string;
    validFrom: string | null;
    rows: RowRef[];
    dryRun: boolean;
  },
): Promise<ChangeReport> {
  return api("setPreferred", { body: input });
}

export function retryRows(api: Api, rows: RowRef[]): Promise<ChangeReport> {
  return api("retry", { body: { rows } });
}

export function loadInstallLog(api: Api, row: RowRef): Promise<{ lines: InstallLogLine[] }> {
  return api("installLog", {
    query: { store: row.store, workstation: row.workstation, function: row.function },
  });
}

/** The live feed's address: the same filters as the view (no paging). */
export function eventsUrl(filterSearch: string): string {
  return `/api/events${filterSearch}`;
}

/** The sentence to show for a failed call (the server's refusal, as ApiError carries it). */
export function messageOf(failure: unknown): string {
  return failure instanceof Error ? failure.message : String(failure);
}
