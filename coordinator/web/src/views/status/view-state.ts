import {
  DEFAULT_PAGE_LIMIT,
  FILTER_PARAMS,
  LIST_FILTERS,
  PAGE_SORTS,
  type PageSort,
  STATUSES,
  type Status,
} from "../../../../src/api/contract.js";

/**
 * What the mask shows, kept in the address bar's query string so a reload or
 * a shared link opens the same view: the filters (with the API's own query
 * names), the sort and the page. Pure: parse and print, nothing else.
 */

type TextFilterName = Exclude<(typeof LIST_FILTERS)[number], "status">;
/** The text filters, by the API's query parameter names (lists comma-separated). */
export type TextFilter = (typeof FILTER_PARAMS)[TextFilterName];
export const TEXT_FILTERS: readonly TextFilter[] = LIST_FILTERS.filter(
  (name): name is TextFilterName => name !== "status",
).map((name) => FILTER_PARAMS[name]);

export type SortKey = PageSort;

export const PAGE_SIZE = DEFAULT_PAGE_LIMIT;

export interface ViewState {
  text: Record<TextFilter, string>;
  status: Status[];
  /** YYYY-MM-DD (the API reads a plain date as its whole day, UTC). */
  validFromFrom: string;
  validFromTo: string;
  sort: SortKey;
  dir: "asc" | "desc";
  offset: number;
}

export function emptyFilters(): Pick<
  ViewState,
  "text" | "status" | "validFromFrom" | "validFromTo"
> {
  return {
    text: Object.fromEntries(TEXT_FILTERS.map((name) => [name, ""])) as Record<TextFilter, string>,
    status: [],
    validFromFrom: "",
    validFromTo: "",
  };
}

/** `" 1001, 2002 ,"` → `"1001,2002"`: what the API gets for a list typed by hand. */
export function cleanList(text: string): string {
  return text
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "")
    .join(",");
}

export function parseViewState(search: string): ViewState {
  const params = new URLSearchParams(search);
  const state: ViewState = { ...emptyFilters(), sort: "store", dir: "asc", offset: 0 };
  for (const name of TEXT_FILTERS) state.text[name] = params.get(name) ?? "";
  const statuses = (params.get(FILTER_PARAMS.status) ?? "").split(",");
  state.status = STATUSES.filter((s) => statuses.includes(s));
  state.validFromFrom = params.get(FILTER_PARAMS.validFromFrom) ?? "";
  state.validFromTo = params.get(FILTER_PARAMS.validFromTo) ?? "";
  const sort = params.get("sort");
  if ((PAGE_SORTS as readonly string[]).includes(sort ?? "")) state.sort = sort as SortKey;
  state.dir = params.get("dir") === "desc" ? "desc" : "asc";
  const offset = Number.parseInt(params.get("offset") ?? "0", 10);
  state.offset = Number.isFinite(offset) && offset > 0 ? offset : 0;
  return state;
}

/** The filters as the API's query (no paging): also the live feed's query. */
export function filterQuery(state: ViewState): Record<string, string> {
  const query: Record<string, string> = {};
  for (const name of TEXT_FILTERS) {
    const list = cleanList(state.text[name]);
    if (list !== "") query[name] = list;
  }
  if (state.status.length > 0) query[FILTER_PARAMS.status] = state.status.join(",");
  if (state.validFromFrom !== "") query[FILTER_PARAMS.validFromFrom] = state.validFromFrom;
  if (state.validFromTo !== "") query[FILTER_PARAMS.validFromTo] = state.validFromTo;
  return query;
}

/** Filters plus sort and page, as the page request and the address bar take them. */
export function pageQuery(state: ViewState): Record<string, string> {
  const query = filterQuery(state);
  if (state.sort !== "store") query.sort = state.sort;
  if (state.dir !== "asc") query.dir = state.dir;
  if (state.offset > 0) query.offset = String(state.offset);
  return query;
}

export function searchOf(query: Record<string, string>): string {
  const text = new URLSearchParams(query).toString();
  return text === "" ? "" : `?${text}`;
}
