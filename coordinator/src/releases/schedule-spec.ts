import { z } from "zod";
import { described, strictObject } from "../fleet/filter-schema.js";
import type { ReleaseSchedule, ReleaseSpec } from "./release-model.js";

/**
 * The release document's schedule fields (issue 11): `schedule` (by hand,
 * immediately, in each store's window, or at a time), the yes/no flags
 * (`forced`, `redeploy`, `allowDowngrade`) and `notify`; and the two pure
 * questions asked of a spec's schedule. release-spec.ts puts them into the
 * document's schema.
 */

/** ISO 8601 with seconds optional, fractions optional, and an offset or Z (no local times). */
const AT_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

const atSchema = z
  .unknown()
  .transform((value, ctx): string => {
    if (typeof value !== "string" || !AT_PATTERN.test(value) || Number.isNaN(Date.parse(value))) {
      ctx.addIssue({
        code: "custom",
        message: `${typeof value === "string" ? JSON.stringify(value.slice(0, 60)) : described(value)} is not an ISO 8601 time with an offset or Z, like "2026-12-01T02:00:00+01:00"`,
      });
      return z.NEVER;
    }
    return value;
  })
  .meta({
    type: "string",
    pattern: AT_PATTERN.source,
    description: "ISO 8601 time with an offset or Z; must lie in the future",
    examples: ["2026-12-01T02:00:00+01:00"],
  });

/** `{"mode": "immediately"}`, `{"mode": "window"}`, `{"mode": "at", "at": "…"}`, or null. */
export const scheduleSchema = z
  .unknown()
  .transform((value, ctx): ReleaseSchedule | null => {
    const fail = (message: string, path: string[] = []) => {
      ctx.addIssue({ code: "custom", message, path });
      return z.NEVER;
    };
    if (value === null) return null;
    if (typeof value !== "object" || Array.isArray(value)) {
      return fail(
        `expected null or an object like {"mode": "immediately"}, got ${described(value)}`,
      );
    }
    const given = value as Record<string, unknown>;
    const unknown = Object.keys(given).filter((key) => key !== "mode" && key !== "at");
    if (unknown.length > 0) {
      return fail(
        `unknown field${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => JSON.stringify(k)).join(", ")} (known: mode, at)`,
      );
    }
    const mode = given.mode;
    if (mode === "immediately" || mode === "window") {
      if (given.at !== undefined) return fail(`only mode "at" takes a time`, ["at"]);
      return { mode };
    }
    if (mode === "at") {
      const at = atSchema.safeParse(given.at);
      if (!at.success) {
        return fail(
          given.at === undefined
            ? `mode "at" needs "at", a time like "2026-12-01T02:00:00+01:00"`
            : (at.error.issues[0]?.message ?? "is not a time"),
          ["at"],
        );
      }
      return { mode, at: at.data };
    }
    return fail(
      `${mode === undefined ? "is missing" : `${described(mode)} is not a mode`} (known: immediately, window, at)`,
      ["mode"],
    );
  })
  .meta({
    anyOf: [
      { type: "null" },
      {
        type: "object",
        properties: {
          mode: { type: "string", enum: ["immediately", "window", "at"] },
          at: { type: "string", pattern: AT_PATTERN.source },
        },
        required: ["mode"],
        additionalProperties: false,
      },
    ],
    description:
      'When the task starts: null (by hand, release start), {"mode":"immediately"}, {"mode":"window"} (each store in its maintenance window) or {"mode":"at","at":ISO}',
  });

export const flag = (description: string) =>
  z
    .boolean({ error: (issue) => `expected true or false, got ${described(issue.input)}` })
    .default(false)
    .meta({ description });

export const notifySchema = strictObject(
  {
    partnerAdmins: z
      .boolean({ error: (issue) => `expected true or false, got ${described(issue.input)}` })
      .default(true),
    storeContacts: z
      .boolean({ error: (issue) => `expected true or false, got ${described(issue.input)}` })
      .default(false),
  },
  "partnerAdmins, storeContacts",
);

/**
 * What creating a task with this schedule at `now` is refused for (null:
 * fine): an `at` time not after now (never read as "now").
 */
export function scheduleRefusal(spec: ReleaseSpec, now: number): string | null {
  const schedule = spec.schedule;
  if (schedule?.mode !== "at") return null;
  if (Date.parse(schedule.at) > now) return null;
  return `schedule.at: ${schedule.at} is in the past`;
}

/** When the task starts by its schedule (ms), null when by hand; immediately/window: `created`. */
export function scheduledStart(spec: ReleaseSpec, created: number): number | null {
  const schedule = spec.schedule;
  if (schedule === null) return null;
  return schedule.mode === "at" ? Date.parse(schedule.at) : created;
}
