// Calling the route table's routes on a live coordinator as a given operator,
// and judging the answers: a success by the route's zod answer schema and by
// the committed openapi.json, a refusal by its status and error text.

import { expect } from "vitest";
import { API_ROUTES, type RouteName, type RouteSpec } from "../../src/api/routes.js";
import type { Answer } from "./live-coordinator.js";
import { answerSchemaOf, openApiValidator, readOpenApi } from "./openapi-validator.js";

const schemaAt = openApiValidator(readOpenApi());

/**
 * Calls route `name` at `url` with `token` (none: no Authorization header);
 * a GET sends `input` as query parameters, the other methods as a JSON body.
 */
export async function callRoute(
  url: string,
  token: string | undefined,
  name: RouteName,
  input?: unknown,
): Promise<Answer> {
  const route: RouteSpec = API_ROUTES[name];
  const get = route.method === "GET";
  const query =
    get && input !== undefined ? `?${new URLSearchParams(input as Record<string, string>)}` : "";
  const response = await fetch(`${url}${route.path}${query}`, {
    method: route.method,
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(get ? {} : { "content-type": "application/json" }),
    },
    ...(get ? {} : { body: JSON.stringify(input) }),
  });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text), text };
}

/** A success: the route's status, valid by the zod answer schema and by the document. */
export function answered(name: RouteName, answer: Answer): Record<string, unknown> {
  const route: RouteSpec = API_ROUTES[name];
  expect(answer.status, `${name}: ${answer.text}`).toBe(route.status);
  expect(route.answer.safeParse(answer.body).error?.issues ?? [], name).toEqual([]);
  const byDocument = answerSchemaOf(schemaAt, route);
  expect(byDocument(answer.body), `${name}: ${JSON.stringify(byDocument.errors)}`).toBe(true);
  return answer.body as Record<string, unknown>;
}

/** A refusal: `status`, and an error text that matches `pattern`. */
export function refused(answer: Answer, status: number, pattern: RegExp): void {
  expect(answer.status, answer.text).toBe(status);
  expect((answer.body as { error: string }).error).toMatch(pattern);
}
