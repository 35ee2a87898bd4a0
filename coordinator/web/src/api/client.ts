import {
  type Answer,
  API_ROUTES,
  type RequestBody,
  type RequestQuery,
  type RouteName,
} from "../../../src/api/contract.js";

/**
 * The one way the console talks to the coordinator: by route name from the
 * API contract, so paths, query names, bodies and answers are the server's
 * own types (no duplicates). Every answer is parsed with the route's zod
 * schema; a refusal becomes an ApiError carrying the server's sentence.
 */

/** A refusal or a failure to reach the coordinator, with the sentence to show. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export interface CallInput<N extends RouteName> {
  query?: RequestQuery<N>;
  body?: RequestBody<N>;
}

/** What the client needs from the session: the CSRF token for POSTs, and who to tell on a 401. */
export interface ClientContext {
  csrfToken: () => string | undefined;
  onSignedOut: () => void;
}

export type Api = <N extends RouteName>(name: N, input?: CallInput<N>) => Promise<Answer<N>>;

/** `?store=1001,2002&status=failed`: lists comma-joined, empty values left out. */
export function queryString(query: Record<string, unknown> | undefined): string {
  if (query === undefined) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === "") continue;
    if (Array.isArray(value)) {
      if (value.length > 0) params.set(key, value.join(","));
    } else params.set(key, String(value));
  }
  const text = params.toString();
  return text === "" ? "" : `?${text}`;
}

export function createApi(context: ClientContext, fetcher: typeof fetch = fetch): Api {
  return async <N extends RouteName>(name: N, input: CallInput<N> = {}): Promise<Answer<N>> => {
    const route = API_ROUTES[name];
    const headers: Record<string, string> = { Accept: "application/json" };
    let body: string | undefined;
    if (route.method === "POST") {
      const token = context.csrfToken();
      if (token !== undefined) headers["X-CSRF-Token"] = token;
      if (input.body !== undefined) {
        headers["Content-Type"] = "application/json";
        body = JSON.stringify(input.body);
      }
    }
    let response: Response;
    try {
      response = await fetcher(
        `${route.path}${queryString(input.query as Record<string, unknown>)}`,
        { method: route.method, headers, body, credentials: "same-origin" },
      );
    } catch {
      throw new ApiError(0, "cannot reach the coordinator: check the connection and try again");
    }
    const payload: unknown = await response.json().catch(() => undefined);
    if (!response.ok) {
      if (response.status === 401 && route.auth !== "public") context.onSignedOut();
      const sentence =
        typeof payload === "object" && payload !== null && "error" in payload
          ? String((payload as { error: unknown }).error)
          : `the coordinator answered ${response.status}`;
      throw new ApiError(response.status, sentence);
    }
    const parsed = route.answer.safeParse(payload);
    if (!parsed.success) {
      throw new ApiError(response.status, `unexpected answer from ${route.path}`);
    }
    return parsed.data as Answer<N>;
  };
}
