import type { z } from "zod";

/** How a route's body is read: a JSON document checked by a schema (with a valid example), a pack upload, or none. */
export type BodySpec =
  | { kind: "json"; schema: z.ZodType; example: unknown }
  | { kind: "pack-upload" }
  | { kind: "none" };

export interface RouteSpec {
  readonly method: "GET" | "POST";
  readonly path: `/api/${string}`;
  /**
   * Signed in (`operator`: the role needed is in accounts/permissions.ts's
   * ROUTE_PERMISSIONS, keyed by `METHOD path`) or not (`public`: the login).
   */
  readonly auth: "operator" | "public";
  /** Every route has a strict query schema; most take no parameters. */
  readonly query: z.ZodType;
  /** A valid query (parameter → value, or values for a repeated parameter). */
  readonly queryExample: Readonly<Record<string, string | readonly string[]>>;
  readonly body: BodySpec;
  /** Status of a successful answer. */
  readonly status: 200 | 201;
  /**
   * `sse`: the answer is a stream of server-sent events (`text/event-stream`)
   * that does not end; `answer` is then the schema of one event as
   * `{event, data}`.
   */
  readonly stream?: "sse";
  /** Schema of a successful answer (what the client receives; refusals are `{error}`). */
  readonly answer: z.ZodType;
  readonly summary: string;
}

export const json = <S extends z.ZodType>(schema: S, example: z.input<S>) =>
  ({ kind: "json", schema, example }) as const;
export const NONE = { kind: "none" } as const;
