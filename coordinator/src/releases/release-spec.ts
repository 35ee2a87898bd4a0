import {
  drainPolicySchema,
  err,
  functionNameSchema,
  ID_PATTERN,
  ok,
  type Result,
  semverSchema,
  validate,
} from "@tillroll/protocol/pure";
import { z } from "zod";
import { described, filtersSchema, strictObject } from "../fleet/filter-schema.js";
import type { Filters } from "../fleet/filters.js";
import { CHECKPOINTS, ON_ERROR, type ReleaseSpec, type StageSpec } from "./release-model.js";
import { flag, notifySchema, scheduleSchema } from "./schedule-spec.js";

/**
 * The release document (`tillroll release create --file F`, `POST
 * /api/releases`): one strict zod schema, defaults filled in, every error
 * naming the field (`stages[1].percent: ...`). Thresholds and durations stay
 * as the operator wrote them ("2%", "1h30m"); `percentOf` / `durationMs`
 * read them.
 */

const MAX_STAGES = 50;
const SECOND_MS = 1000;
const DAY_MS = 24 * 60 * 60 * SECOND_MS;
const MAX_DURATION_MS = 30 * DAY_MS;

/** "N%": 0 ≤ N ≤ 100, up to two decimals, no leading zeros ("0.5%", not "00.5%"). */
const THRESHOLD_PATTERN = /^(0|[1-9]\d{0,2})(\.\d{1,2})?%$/;
/** h, m, s in that order, at least one; each a whole number (up to 9 digits). */
const DURATION_PATTERN = /^(?:(\d{1,9})h)?(?:(\d{1,9})m)?(?:(\d{1,9})s)?$/;

/** "2%" → 2, "100%" → 100, "0.5%" → 0.5 (a spec's thresholds are valid by then). */
export function percentOf(threshold: string): number {
  const text = threshold.trim();
  if (!THRESHOLD_PATTERN.test(text)) {
    throw new RangeError(`${JSON.stringify(threshold)} is not a threshold like "2%"`);
  }
  const value = Number(text.slice(0, -1));
  if (value > 100) throw new RangeError(`${JSON.stringify(threshold)} is above 100%`);
  return value;
}

/** The duration in ms, or undefined when `text` is not one ("0" is 0s). */
function readDuration(text: string): number | undefined {
  if (text === "0") return 0;
  const match = DURATION_PATTERN.exec(text);
  if (match === null || text === "") return undefined;
  const [, h = "0", m = "0", s = "0"] = match;
  return ((Number(h) * 60 + Number(m)) * 60 + Number(s)) * SECOND_MS;
}

/** "2h" → 7,200,000; "1h30m", "15m", "30s", "0s" (a spec's durations are valid by then). */
export function durationMs(duration: string): number {
  const ms = readDuration(duration);
  if (ms === undefined) {
    throw new RangeError(`${JSON.stringify(duration)} is not a duration like "1h30m"`);
  }
  return ms;
}

/** A threshold string; `min` "above" refuses 0% (a success threshold of 0 would end every stage at once). */
function thresholdSchema(positive: boolean) {
  return (
    z
      .unknown()
      .transform((value, ctx): string => {
        const fail = (message: string) => {
          ctx.addIssue({ code: "custom", message });
          return z.NEVER;
        };
        if (typeof value !== "string") {
          return fail(`expected a percentage as a string like "2%", got ${described(value)}`);
        }
        if (!THRESHOLD_PATTERN.test(value)) {
          return fail(
            `${JSON.stringify(value.slice(0, 60))} is not a percentage like "2%" or "0.5%" (0 to 100, up to 2 decimals)`,
          );
        }
        const percent = Number(value.slice(0, -1));
        if (percent > 100) return fail(`${JSON.stringify(value)} is above 100%`);
        if (positive && percent === 0)
          return fail(`must be above 0% (got ${JSON.stringify(value)})`);
        return value;
      })
      // What the JSON Schema (OpenAPI) shows: the checks above are code it cannot see.
      .meta({
        type: "string",
        pattern: THRESHOLD_PATTERN.source,
        description: `A percentage "N%", 0${positive ? " (exclusive)" : ""} to 100, up to 2 decimals`,
        examples: ["2%"],
      })
  );
}

/** A duration string within [minMs, 30 days]. */
function durationSchema(minMs: number) {
  return z
    .unknown()
    .transform((value, ctx): string => {
      const fail = (message: string) => {
        ctx.addIssue({ code: "custom", message });
        return z.NEVER;
      };
      if (typeof value !== "string") {
        return fail(
          `expected a duration as a string like "2h" or "1h30m", got ${described(value)}`,
        );
      }
      const ms = readDuration(value);
      if (ms === undefined) {
        return fail(
          `${JSON.stringify(value.slice(0, 60))} is not a duration like "2h", "1h30m", "15m", "30s" or "0s" (units h, m, s in that order)`,
        );
      }
      if (ms < minMs) return fail(`${JSON.stringify(value)} is shorter than ${minMs / SECOND_MS}s`);
      if (ms > MAX_DURATION_MS) return fail(`${JSON.stringify(value)} is longer than 30 days`);
      return value;
    })
    .meta({
      type: "string",
      description: `A duration: h, m, s in that order ("1h30m", "15m", "30s", "0s"); ${minMs > 0 ? "at least 1s, " : ""}at most 30 days`,
      examples: ["2h"],
    });
}

/**
 * Filters without `function`. A null in a version list ("-" as Filters
 * holds it) is read as "-", so a stored spec parses again.
 */
const targetSchema = z
  .preprocess((value) => {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
    const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    for (const name of [
      "activeVersion",
      "preferredVersion",
      "active-version",
      "preferred-version",
    ]) {
      const list = copy[name];
      if (Array.isArray(list)) copy[name] = list.map((item) => (item === null ? "-" : item));
    }
    return copy;
  }, filtersSchema)
  .superRefine((filters: Filters, ctx) => {
    if (filters.function !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["function"],
        message: 'the release\'s function is given by "function"',
      });
    }
  });

const nameSchema = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max, { error: `is longer than ${max} characters` });

const percentRange = (issue: { input?: unknown }) =>
  `must be above 0 and at most 100 (got ${described(issue.input)})`;

const STAGE_FIELDS = "name, target, percent, count, checkpoint";
const SELECTORS = ["target", "percent", "count"] as const;

const stageSchema = strictObject(
  {
    name: nameSchema(100),
    target: targetSchema.optional(),
    percent: z.number().gt(0, { error: percentRange }).lte(100, { error: percentRange }).optional(),
    count: z
      .number()
      .int({ error: (issue) => `must be a whole number (got ${described(issue.input)})` })
      .min(1, { error: (issue) => `must be at least 1 (got ${described(issue.input)})` })
      .optional(),
    checkpoint: z.enum(CHECKPOINTS).default("none"),
  },
  STAGE_FIELDS,
).superRefine((stage, ctx) => {
  const given = SELECTORS.filter((field) => stage[field] !== undefined);
  for (const field of given.slice(1)) {
    ctx.addIssue({
      code: "custom",
      path: [field],
      message: `a stage takes at most one of target, percent, count (${given[0]} is given too)`,
    });
  }
});

const SPEC_FIELDS =
  "name, function, version, target, stages, errorThreshold, successThreshold, stageTimeout, soak, maxPerStore, onError, schedule, forced, redeploy, allowDowngrade, notify, kind, drain";

/** The release document; its output is a ReleaseSpec with every default filled in. */
export const releaseSpecSchema: z.ZodType<ReleaseSpec, unknown> = strictObject(
  {
    name: nameSchema(200),
    function: functionNameSchema,
    version: semverSchema,
    target: targetSchema.default({}),
    stages: z
      .array(stageSchema)
      .min(1, { error: "needs at least one stage" })
      .max(MAX_STAGES, { error: `has more than ${MAX_STAGES} stages` }),
    errorThreshold: thresholdSchema(false).default("0%"),
    successThreshold: thresholdSchema(true).default("100%"),
    stageTimeout: durationSchema(SECOND_MS).default("2h"),
    soak: durationSchema(0).default("0s"),
    maxPerStore: z
      .number()
      .int({ error: (issue) => `must be a whole number (got ${described(issue.input)})` })
      .min(1, { error: (issue) => `must be at least 1 (got ${described(issue.input)})` })
      .nullable()
      .default(null),
    onError: z.enum(ON_ERROR).default("pause"),
    schedule: scheduleSchema.default(null),
    forced: flag("Only the platform admin may cancel it"),
    redeploy: flag("Rows already on the version reinstall it"),
    allowDowngrade: flag("Rows on a newer version may go back to this one"),
    notify: notifySchema.default({ partnerAdmins: true, storeContacts: false }),
    // Issue 13: "rebuild" = the rows on `version` rebuilt with their recipe (implies redeploy).
    kind: z
      .enum(["install", "rebuild"], {
        error: (issue) => `expected "install" or "rebuild" (got ${described(issue.input)})`,
      })
      .optional(),
    // Issue 13: users asked to leave first; force (end their sessions) only on a forced task.
    drain: strictObject(drainPolicySchema.shape, "noticeMinutes, force").nullable().optional(),
  },
  SPEC_FIELDS,
)
  .superRefine((spec, ctx) => {
    if (spec.drain?.force === true && !spec.forced) {
      ctx.addIssue({
        code: "custom",
        path: ["drain", "force"],
        message:
          "may be true only on a forced task (\"forced\": true): ending the users' sessions is a forced update's privilege",
      });
    }
    const seen = new Map<string, number>();
    spec.stages.forEach((stage: StageSpec, index: number) => {
      // History entries name their subject "release" or a stage's name: keep them apart.
      if (stage.name === "release") {
        ctx.addIssue({
          code: "custom",
          path: ["stages", index, "name"],
          message: `"release" names the release task itself in its history: choose another stage name`,
        });
      }
      const first = seen.get(stage.name);
      if (first === undefined) seen.set(stage.name, index);
      else {
        ctx.addIssue({
          code: "custom",
          path: ["stages", index, "name"],
          message: `${JSON.stringify(stage.name)} is the name of stages[${first}] too (stage names are unique)`,
        });
      }
    });
  })
  .transform((spec): ReleaseSpec => (spec.kind === "rebuild" ? { ...spec, redeploy: true } : spec));

export { scheduledStart, scheduleRefusal } from "./schedule-spec.js";

/** `stages.1.percent: ...` → `stages[1].percent: ...` (the path before the first ": "). */
function bracketIndexes(line: string): string {
  const colon = line.indexOf(": ");
  if (colon < 0) return line;
  const path = line.slice(0, colon);
  if (!/^[A-Za-z0-9_.-]+$/.test(path)) return line;
  return path.replace(/\.(\d+)(?=\.|$)/g, "[$1]") + line.slice(colon);
}

/** Validates a release document; the error names each wrong field, one per line. */
export function parseReleaseSpec(data: unknown): Result<ReleaseSpec> {
  const parsed = validate(releaseSpecSchema, data);
  if (parsed.ok) return ok(parsed.value);
  return err(parsed.error.split("\n").map(bracketIndexes).join("\n"));
}

const WHY_TAG = { rollback: "rb", cancel: "cx" } as const;

/**
 * The request id the release sends a member: deterministic, so a send
 * applied twice (after a crash) is one request: `rel{id}-{stage}-{member}-{attempt}`
 * (install and retry: the attempt tells them apart), and
 * `rel{id}-rb-{stage}-{member}` / `rel{id}-cx-…` for rollback and cancel.
 * Always a valid protocol request id (ID_PATTERN); a release id that would
 * break that is a programming error.
 */
export function requestIdFor(
  releaseId: string,
  stageIndex: number,
  memberIndex: number,
  attempt: number,
  why: "install" | "retry" | "rollback" | "cancel",
): string {
  for (const [what, n] of [
    ["stage index", stageIndex],
    ["member index", memberIndex],
    ["attempt", attempt],
  ] as const) {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${what} ${n} is not a count`);
  }
  const id =
    why === "install" || why === "retry"
      ? `rel${releaseId}-${stageIndex}-${memberIndex}-${attempt}`
      : `rel${releaseId}-${WHY_TAG[why]}-${stageIndex}-${memberIndex}`;
  if (!ID_PATTERN.test(id)) {
    throw new RangeError(`release id ${JSON.stringify(releaseId)} makes request id ${id} invalid`);
  }
  return id;
}
