import {
  agentConfigSchema,
  functionNameSchema,
  groupSchema,
  NO_UPDATE,
  operatorMaintenanceSchema,
  semverSchema,
  serviceStatusSchema,
  statusSchema,
  storeIdSchema,
  timestampSchema,
  workstationIdSchema,
} from "@tillroll/protocol/pure";
import { z } from "zod";
import { OPERATOR_NAME_PATTERN } from "../accounts/identity.js";
import { ROLES } from "../accounts/roles.js";
import { auditEntrySchema } from "../audit/audit-entry.js";
import { serviceRowSchema } from "../fleet/service-row.js";
import { NOTICE_EVENTS } from "../notices/notice-model.js";
import { packRecordSchema } from "../packs/pack-record.js";
import { releaseSummaryAnswer, releaseViewAnswer } from "./release-answers.js";
import {
  blackoutAddedAnswer,
  blackoutAnswer,
  noticesAnswer,
  storeSettingAnswer,
  windowListAnswer,
  windowSettingAnswer,
} from "./schedule-answers.js";

/**
 * The answer of every console API route, as a zod schema: the other half of
 * the contract in routes.ts. The operations' result types are checked
 * against these at compile time (the server's handler table is typed by
 * them, test/api/answer-types.test.ts checks the other direction), live
 * answers are validated against them in test/api/api-answers.test.ts, and
 * coordinator/openapi.json is generated from them. Where the coordinator
 * already keeps a schema for a record (fleet rows, packs, audit entries,
 * the agent's config), the answer uses that one, so a field added to the
 * record shows up here without a second edit.
 */

const count = z.number().int().min(0);

/** Every route answers a refusal (4xx) with one sentence naming what was wrong. */
export const errorAnswer = z.strictObject({ error: z.string() });

// --- fleet rows and changes ----------------------------------------------

/** A Status Overview row: the fleet row, and when the workstation last reported (null: not since the coordinator started). */
export const statusRowAnswer = serviceRowSchema.safeExtend({
  lastReport: timestampSchema.nullable().optional(),
  /** Issue 11: the Scheduled or active release task that holds or will take the row. */
  scheduled: z
    .strictObject({
      release: z.string(),
      name: z.string(),
      at: timestampSchema.nullable(),
    })
    .nullable()
    .optional(),
  /** Issue 13: applied recipe vs effective one (null: the row has neither). */
  recipe: z.enum(["current", "outdated"]).nullable().optional(),
});

const rowRef = {
  store: storeIdSchema,
  workstation: workstationIdSchema,
  function: functionNameSchema,
};

/** One row of a change: changed (`apply`) or skipped with the reason. */
export const rowChangeAnswer = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("apply"),
    ...rowRef,
    status: statusSchema,
    preferredVersion: serviceStatusSchema.shape.preferredVersion,
    newRequest: z.boolean(),
    firstInstall: z.boolean(),
  }),
  z.strictObject({ kind: z.literal("skip"), ...rowRef, reason: z.string() }),
]);

/** What a change did (or, with `dryRun`, would do), row by row. */
export const changeReportAnswer = z.strictObject({
  changed: z.array(rowChangeAnswer),
  skipped: z.array(rowChangeAnswer),
  dryRun: z.boolean(),
});

/** The versions one function's rows may be set to: "-" first, then newest first. */
export const versionsReportAnswer = z.strictObject({
  function: functionNameSchema,
  rows: count,
  versions: z.array(
    z.strictObject({ version: z.union([z.literal(NO_UPDATE), semverSchema]), rows: count }),
  ),
});

// --- workstations ----------------------------------------------------------

/** An enrolment (or rekey): both broker logins, once, and the agent's config file. */
export const enrolResultAnswer = z.strictObject({
  store: storeIdSchema,
  workstation: workstationIdSchema,
  username: z.string(),
  password: z.string(),
  posUsername: z.string(),
  posPassword: z.string(),
  agentConfig: agentConfigSchema,
  /** With TLS: the CA agents pin, to save beside agent.json as ca.pem. */
  caPem: z.string().optional(),
});

/** One workstation enrolled: its result; many (`{workstations: [...]}`): the list, in order. */
export const enrolAnswer = z.union([enrolResultAnswer, z.array(enrolResultAnswer)]);

/** An enrolled workstation as `workstation list` shows it. */
export const workstationInfoAnswer = z.strictObject({
  store: storeIdSchema,
  workstation: workstationIdSchema,
  group: groupSchema.nullable(),
  enrolledAt: timestampSchema,
  online: z.boolean(),
  services: count,
});

/** Broker connections closed; null with an external broker (its password file decides logins). */
const disconnected = count.nullable();

export const removeResultAnswer = z.strictObject({
  store: storeIdSchema,
  workstation: workstationIdSchema,
  removedRows: count,
  disconnected,
});

export const rekeyResultAnswer = enrolResultAnswer.extend({ disconnected });

// --- packs and audit --------------------------------------------------------

/** A withdrawn pack's record, and how many rows still have it as their preferred version. */
export const withdrawResultAnswer = packRecordSchema.safeExtend({ pendingRows: count });

// --- external broker ---------------------------------------------------------

const passwordLine = z.string().regex(/^[^:\s]+:\$7\$/, "a Mosquitto password line");

/** What `tillroll broker-config mosquitto` needs: accounts with Mosquitto password lines (hashes only). */
export const mosquittoAccountsAnswer = z.strictObject({
  topicRoot: z.string(),
  accounts: z.array(
    z.strictObject({
      username: z.string(),
      principal: z.strictObject({
        kind: z.enum(["agent", "pos"]),
        store: storeIdSchema,
        workstation: workstationIdSchema,
      }),
      passwordLine,
    }),
  ),
  withoutPasswordLine: z.array(z.string()),
  coordinator: z.strictObject({ username: z.string(), passwordLine }).nullable(),
  tls: z
    .strictObject({ caFile: z.string().nullable(), certFile: z.string(), keyFile: z.string() })
    .nullable(),
});

// --- operators and sessions ------------------------------------------------

const operatorFields = {
  name: z.string().regex(OPERATOR_NAME_PATTERN),
  role: z.enum(ROLES),
  scope: groupSchema.nullable(),
  email: z.string().nullable(),
};

/** An operator as `operator list` shows it: everything but the hashes. */
export const operatorSummaryAnswer = z.strictObject({
  ...operatorFields,
  createdAt: timestampSchema,
  secretsIssuedAt: timestampSchema,
});

/** A new or reset operator: its API token and password, shown once. */
export const issuedOperatorAnswer = z.strictObject({
  ...operatorFields,
  token: z.string(),
  password: z.string(),
});

/** Login and `GET /api/session`: who, and the CSRF token or the bearer token of a new session. */
export const sessionAnswer = z.strictObject({
  name: z.string().regex(OPERATOR_NAME_PATTERN),
  role: z.enum(ROLES),
  scope: groupSchema.nullable(),
  /** Cookie sessions: send it back as `X-CSRF-Token` on every POST. */
  csrfToken: z.string().optional(),
  /** `token: true` logins: the bearer token, with the session's idle timeout. */
  token: z.string().optional(),
  idleTimeoutSeconds: count.optional(),
});

export type SessionAnswer = z.infer<typeof sessionAnswer>;

/** A webhook (issue 11) as the API shows it: never its secret (`"secret": "set"`). */
export const webhookAnswer = z.strictObject({
  id: z.string(),
  url: z.string(),
  secret: z.literal("set"),
  events: z.array(z.enum(NOTICE_EVENTS)).readonly().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
});

/**
 * Named answers: the OpenAPI document lists each once under
 * components/schemas and refers to it from every route answering it.
 */
export const ANSWERS = {
  EnrolAnswer: enrolAnswer,
  PackRecord: packRecordSchema,
  PackList: z.array(packRecordSchema),
  WithdrawResult: withdrawResultAnswer,
  WorkstationList: z.array(workstationInfoAnswer),
  RemoveResult: removeResultAnswer,
  RekeyResult: rekeyResultAnswer,
  StatusRows: z.array(statusRowAnswer),
  VersionsReport: versionsReportAnswer,
  ChangeReport: changeReportAnswer,
  AuditEntries: z.array(auditEntrySchema),
  MosquittoAccounts: mosquittoAccountsAnswer,
  Operators: z.array(operatorSummaryAnswer),
  Operator: operatorSummaryAnswer,
  IssuedOperator: issuedOperatorAnswer,
  Session: sessionAnswer,
  /** Logout: `ended` is false when the caller used an API token (no session to end). */
  LoggedOut: z.strictObject({ ok: z.literal(true), ended: z.boolean() }),
  /** A release task (issue 10): stages with counts per outcome, history, decisions. */
  ReleaseView: releaseViewAnswer,
  ReleaseSummaries: z.array(releaseSummaryAnswer),
  /** Maintenance windows, store settings and blackouts (issue 11). */
  WindowList: windowListAnswer,
  WindowSetting: windowSettingAnswer,
  StoreSetting: storeSettingAnswer,
  Blackout: blackoutAnswer,
  Blackouts: z.array(blackoutAnswer),
  BlackoutAdded: blackoutAddedAnswer,
  Notices: noticesAnswer,
  /** A webhook (issue 11): its secret only as `set`. */
  Webhook: webhookAnswer,
  Webhooks: z.array(webhookAnswer),
  Error: errorAnswer,
  /** Issue 13: a workstation's maintenance switch after `maintenance on|off` (null: off). */
  MaintenanceResult: z.strictObject({
    store: storeIdSchema,
    workstation: workstationIdSchema,
    maintenance: operatorMaintenanceSchema.nullable(),
  }),
} as const satisfies Record<string, z.ZodType>;
