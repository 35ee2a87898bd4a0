import { API_ROUTES } from "../../../../src/api/contract.js";
import { type Api, ApiError, queryString } from "../../api/client.js";
import type { ChangeReport, Facets, InstallLogLine, PageAnswer, RowRef } from "./model.js";
import { pageFromStatus, perRow } from "./status-fallback.js";

/**
 * The mask's calls to the coordinator, by route name (the client parses every
 * answer with the route's schema). Changes always name their rows (`rows`),
 * so a change made from a selection reaches exactly those rows.
 */
// Until the page/facets/events/install-log routes land in the contract these
// go through an untyped view of the same client.
type LooseApi = (name: string, input?: { query?: unknown; body?: unknown }) => Promise<unknown>;
const PENDING: Record<string, string> = {
  statusPage: "/api/status/page",
  statusFacets: "/api/status/facets",
};
const loose =
  (api: Api): LooseApi =>
  async (name, input) => {
    const path = PENDING[name];
    if (path === undefined || name in API_ROUTES) return (api as unknown as LooseApi)(name, input);
    const response = await fetch(`${path}${queryString(input?.query as Record<string, unknown>)}`);
    const answer: unknown = await response.json();
    if (!response.ok)
      throw new ApiError(response.status, String((answer as { error?: unknown }).error));
    return answer;
  };

/** Whether the coordinator has the page route and `rows` in change bodies (else status-fallback.ts). */
const HAS_PAGE = "statusPage" in API_ROUTES;

export function loadPage(api: Api, query: Record<string, string>): Promise<PageAnswer> {
  if (!HAS_PAGE) return pageFromStatus(api, query);
  return loose(api)("statusPage", { query }) as Promise<PageAnswer>;
}

export async function loadFacets(api: Api): Promise<Facets> {
  if (!HAS_PAGE) return { groups: [], functions: [], versions: [] };
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
  if (!HAS_PAGE) {
    const { rows, ...rest } = input;
    return perRow(rows, (filters) => api("setPreferred", { body: { ...rest, filters } }));
  }
  return loose(api)("setPreferred", { body: input }) as Promise<ChangeReport>;
}

export function retryRows(api: Api, rows: RowRef[]): Promise<ChangeReport> {
  if (!HAS_PAGE) return perRow(rows, (filters) => api("retry", { body: { filters } }));
  return loose(api)("retry", { body: { rows } }) as Promise<ChangeReport>;
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
