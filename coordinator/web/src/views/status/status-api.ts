import type { Api } from "../../api/client.js";
import type { ChangeReport, Facets, InstallLogLine, PageAnswer, RowRef } from "./model.js";

/**
 * The mask's calls to the coordinator, by route name (the client parses every
 * answer with the route's schema). Changes always name their rows (`rows`),
 * so a change made from a selection reaches exactly those rows.
 */
// Until the page/facets/events/install-log routes land in the contract these
// go through an untyped view of the same client.
type LooseApi = (name: string, input?: { query?: unknown; body?: unknown }) => Promise<unknown>;
const loose = (api: Api) => api as unknown as LooseApi;

export function loadPage(api: Api, query: Record<string, string>): Promise<PageAnswer> {
  return loose(api)("statusPage", { query }) as Promise<PageAnswer>;
}

export function loadFacets(api: Api): Promise<Facets> {
  return loose(api)("statusFacets") as Promise<Facets>;
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
  return loose(api)("setPreferred", { body: input }) as Promise<ChangeReport>;
}

export function retryRows(api: Api, rows: RowRef[]): Promise<ChangeReport> {
  return loose(api)("retry", { body: { rows } }) as Promise<ChangeReport>;
}

export function loadInstallLog(api: Api, row: RowRef): Promise<{ lines: InstallLogLine[] }> {
  return loose(api)("installLog", {
    query: { store: row.store, workstation: row.workstation, function: row.function },
  }) as Promise<{ lines: InstallLogLine[] }>;
}

/** The live feed's address: the same filters as the view (no paging). */
export function eventsUrl(filterSearch: string): string {
  return `/api/events${filterSearch}`;
}

/** The sentence to show for a failed call (the server's refusal, as ApiError carries it). */
export function messageOf(failure: unknown): string {
  return failure instanceof Error ? failure.message : String(failure);
}
