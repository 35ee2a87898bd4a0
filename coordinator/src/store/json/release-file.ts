import { err, maintenanceWindowSchema, ok, type Result } from "@tillroll/protocol";
import { z } from "zod";
import {
  CHECKPOINTS,
  ON_ERROR,
  PENDING_RELEASE_NOTICES,
  RELEASE_STATES,
  type ReleaseRecord,
  STAGE_STATES,
} from "../../releases/release-model.js";
import { parseJsonFile } from "./data-files.js";

/**
 * One release task's file, `DATA/releases/<id>.json`: `{schemaVersion, release}`.
 * The schema checks the record's shape when the file is read back (the
 * document itself was validated when the release was created).
 */
export const RELEASE_FILE_VERSION = 1;

const text = z.string();
const nullableText = z.string().nullable();

const stageSpecSchema = z.object({
  name: text,
  target: z.record(z.string(), z.unknown()).optional(),
  percent: z.number().optional(),
  count: z.number().optional(),
  checkpoint: z.enum(CHECKPOINTS),
});

const specSchema = z.object({
  name: text,
  function: text,
  version: text,
  target: z.record(z.string(), z.unknown()),
  stages: z.array(stageSpecSchema).min(1),
  errorThreshold: text,
  successThreshold: text,
  stageTimeout: text,
  soak: text,
  maxPerStore: z.number().int().min(1).nullable(),
  onError: z.enum(ON_ERROR),
  // Issue 11's fields; a release written before them reads with their defaults.
  schedule: z
    .union([
      z.object({ mode: z.enum(["immediately", "window"]) }),
      z.object({ mode: z.literal("at"), at: text }),
    ])
    .nullable()
    .default(null),
  forced: z.boolean().default(false),
  redeploy: z.boolean().default(false),
  allowDowngrade: z.boolean().default(false),
  // Issue 13; absent in a release written before it (and in one without a drain).
  drain: z.object({ noticeMinutes: z.number(), force: z.boolean() }).nullable().optional(),
  notify: z
    .object({ partnerAdmins: z.boolean(), storeContacts: z.boolean() })
    .default({ partnerAdmins: true, storeContacts: false }),
});

const memberSchema = z.object({
  key: text,
  store: text,
  workstation: text,
  previousVersion: nullableText,
  requestId: nullableText,
  sentAt: nullableText,
  attempt: z.number().int().min(0),
  group: nullableText.optional(),
  window: maintenanceWindowSchema.nullable().optional(),
});

const stageSchema = z.object({
  name: text,
  state: z.enum(STAGE_STATES),
  startedAt: nullableText,
  endedAt: nullableText,
  reason: nullableText,
  members: z.array(memberSchema),
  skipped: z.array(z.object({ key: text, reason: text })),
});

const recordSchema = z.object({
  id: z.string().regex(/^[1-9][0-9]*$/),
  spec: specSchema,
  state: z.enum(RELEASE_STATES),
  createdBy: text,
  createdAt: text,
  stages: z.array(stageSchema),
  history: z.array(
    z.object({ at: text, who: text, subject: text, from: text, to: text, reason: text }),
  ),
  decisions: z.array(
    z.object({
      at: text,
      who: text,
      stage: text,
      verdict: z.enum(["approved", "rejected", "triggered"]),
      comment: nullableText,
    }),
  ),
  rolledBack: z.array(text),
  // Issue 11's outbox marker; a file written before it reads as nothing pending.
  noticesPending: z.array(z.enum(PENDING_RELEASE_NOTICES)).optional(),
});

const fileSchema = z.object({
  schemaVersion: z.literal(RELEASE_FILE_VERSION),
  release: recordSchema,
});

export function encodeReleaseFile(record: ReleaseRecord): string {
  // Compact: a release of 10,000 rows is rewritten on every change of its record.
  return `${JSON.stringify({ schemaVersion: RELEASE_FILE_VERSION, release: record })}\n`;
}

/** The record in a release file's text, or why it cannot be used. */
export function decodeReleaseFile(content: string, expectedId: string): Result<ReleaseRecord> {
  const parsed = parseJsonFile(fileSchema, content);
  if (!parsed.ok) return parsed;
  const record = parsed.value.release as unknown as ReleaseRecord;
  if (record.id !== expectedId) return err(`holds release ${record.id}, not ${expectedId}`);
  return ok(record);
}
