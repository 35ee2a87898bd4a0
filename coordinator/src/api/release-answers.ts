import {
  functionNameSchema,
  semverSchema,
  statusSchema,
  timestampSchema,
} from "@tillroll/protocol/pure";
import { z } from "zod";
import { CHECKPOINTS, ON_ERROR, RELEASE_STATES, STAGE_STATES } from "../releases/release-model.js";

/**
 * The answers of the release task routes (issue 10): a release as `release
 * show --json` prints it (ReleaseView) and as `release list` lists it
 * (ReleaseSummary). They describe the types of releases/release-model.ts
 * field for field; test/api/answer-types.test.ts checks both directions at
 * compile time. Lists are read-only arrays because the model's are.
 */

const count = z.number().int().min(0);
const list = <S extends z.ZodType>(item: S) => z.array(item).readonly();
const values = list(z.string());

/** The status overview's filters as a release keeps them (parsed: "-" is null, statuses normalised). */
const storedFiltersAnswer = z.strictObject({
  store: values.optional(),
  workstation: values.optional(),
  function: values.optional(),
  activeVersion: list(z.string().nullable()).optional(),
  preferredVersion: list(z.string().nullable()).optional(),
  status: list(statusSchema).optional(),
  group: values.optional(),
  validFromFrom: z.string().optional(),
  validFromTo: z.string().optional(),
});

const stageSpecAnswer = z.strictObject({
  name: z.string(),
  target: storedFiltersAnswer.optional(),
  percent: z.number().optional(),
  count: z.number().int().optional(),
  checkpoint: z.enum(CHECKPOINTS),
});

/** The release document after validation, defaults filled in, as the operator wrote it ("2%", "2h"). */
export const releaseSpecAnswer = z.strictObject({
  name: z.string(),
  function: functionNameSchema,
  version: semverSchema,
  target: storedFiltersAnswer,
  stages: list(stageSpecAnswer),
  errorThreshold: z.string(),
  successThreshold: z.string(),
  stageTimeout: z.string(),
  soak: z.string(),
  maxPerStore: z.number().int().min(1).nullable(),
  onError: z.enum(ON_ERROR),
  schedule: z
    .union([
      z.strictObject({ mode: z.enum(["immediately", "window"]) }),
      z.strictObject({ mode: z.literal("at"), at: z.string() }),
    ])
    .nullable(),
  forced: z.boolean(),
  redeploy: z.boolean(),
  allowDowngrade: z.boolean(),
  drain: z.strictObject({ noticeMinutes: z.number(), force: z.boolean() }).nullable().optional(),
  notify: z.strictObject({ partnerAdmins: z.boolean(), storeContacts: z.boolean() }),
});

/** Members of a stage per outcome (Not Ready apart from the errors), with the total and the skipped rows. */
export const stageCountsAnswer = z.strictObject({
  queued: count,
  held: count,
  Prepared: count,
  "In Progress": count,
  "Not Ready": count,
  soaking: count,
  OK: count,
  Failed: count,
  "Rolled Back": count,
  "timed out": count,
  total: count,
  skipped: count,
});

const keyReason = z.strictObject({ key: z.string(), reason: z.string() });

export const stageViewAnswer = z.strictObject({
  name: z.string(),
  state: z.enum(STAGE_STATES),
  checkpoint: z.enum(CHECKPOINTS),
  startedAt: timestampSchema.nullable(),
  endedAt: timestampSchema.nullable(),
  reason: z.string().nullable(),
  counts: stageCountsAnswer,
  members: values,
  notReady: list(keyReason),
  timedOut: values,
  failed: list(z.strictObject({ key: z.string(), status: statusSchema, reason: z.string() })),
  skipped: list(keyReason),
});

/** One `from -> to` of the release or of a stage: when, who, why. */
export const historyEntryAnswer = z.strictObject({
  at: timestampSchema,
  who: z.string(),
  subject: z.string(),
  from: z.string(),
  to: z.string(),
  reason: z.string(),
});

export const decisionAnswer = z.strictObject({
  at: timestampSchema,
  who: z.string(),
  stage: z.string(),
  verdict: z.enum(["approved", "rejected", "triggered"]),
  comment: z.string().nullable(),
});

const releaseHead = {
  id: z.string(),
  name: z.string(),
  function: functionNameSchema,
  version: semverSchema,
  state: z.enum(RELEASE_STATES),
  createdBy: z.string(),
  createdAt: timestampSchema,
};

/** A release task with its stages, counts, history and decisions (`release show --json`). */
export const releaseViewAnswer = z.strictObject({
  ...releaseHead,
  spec: releaseSpecAnswer,
  stages: list(stageViewAnswer),
  history: list(historyEntryAnswer),
  decisions: list(decisionAnswer),
  /** The create answer only: what the operator should know (a downgrade). */
  warnings: values.optional(),
  /** Issue 12: what the caller may do now (state, role, four eyes, forced); the console shows only these. */
  actions: z
    .strictObject({
      start: z.boolean(),
      approve: z.boolean(),
      reject: z.boolean(),
      trigger: z.boolean(),
      pause: z.boolean(),
      resume: z.boolean(),
      retry: z.boolean(),
      rollback: z.boolean(),
      cancel: z.boolean(),
    })
    .optional(),
});

/** A release task in a list: its stages' states and counts, no member lists. */
export const releaseSummaryAnswer = z.strictObject({
  ...releaseHead,
  stages: list(
    z.strictObject({ name: z.string(), state: z.enum(STAGE_STATES), counts: stageCountsAnswer }),
  ),
});
