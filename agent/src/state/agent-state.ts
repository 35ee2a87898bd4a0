import {
  appliedRecipeSchema,
  artifactSchema,
  desiredDocumentSchema,
  desiredRecipeSchema,
  functionNameSchema,
  type MaintenanceWindow,
  maintenanceWindowSchema,
  requestIdSchema,
  semverSchema,
  sessionDocumentSchema,
  statusSchema,
  timestampSchema,
} from "@tillroll/protocol";
import * as z from "zod";
import { ABORT_STEPS, FORWARD_STEPS, HAND_OVER_STEPS, ROLLBACK_STEPS } from "../engine/journal.js";

/**
 * The agent's local store (`<state>/agent.json`): the journal of every
 * service, the last desired document (so a valid-from is carried out even
 * with the coordinator unreachable), the sender seq counter and the outbox
 * of reports not yet acknowledged by the broker. Validated on every read:
 * a journal we cannot trust must stop the agent, not be guessed at.
 */
export const STATE_SCHEMA_VERSION = 1;

/**
 * A folder under releases/: the version, or `<version>~<requestId>` for a
 * reinstall of the active version (see release-layout.ts). Fields holding one
 * are optional: a journal written before redeploys existed names no folder,
 * and then the folder is the version.
 */
const releaseNameSchema = z.string().min(1).max(255);

/** Typed as the protocol's MaintenanceWindow (readonly days), which the desired entry carries. */
const jobWindowSchema: z.ZodType<MaintenanceWindow, MaintenanceWindow> = maintenanceWindowSchema;

/**
 * Issue 13: where a drain stands (see engine/drain-plan.ts), persisted so a
 * restart keeps the countdown's deadline and does not repeat notices.
 */
export const drainStateSchema = z.object({
  /** seq of the maintenance document this update published (null: not on, or off since). */
  maintenanceSeq: z.number().int().min(0).nullable(),
  /** When that document went out (local time): the POS's acknowledgement grace counts from here. */
  maintenanceAt: timestampSchema.nullable(),
  /** When the update happens whatever the users do (the countdown's end); null: no countdown. */
  deadline: timestampSchema.nullable(),
  noticesSent: z.array(z.enum(["minutes", "now"])).max(2),
  /** The POS was asked to end its sessions (forced drain, at the deadline). */
  endRequested: z.boolean(),
});

export const jobSchema = z.object({
  requestId: requestIdSchema,
  fromVersion: semverSchema.nullable(),
  toVersion: semverSchema,
  artifact: artifactSchema,
  validFrom: timestampSchema.nullable(),
  step: z.enum([...FORWARD_STEPS, ...ROLLBACK_STEPS, ...ABORT_STEPS, ...HAND_OVER_STEPS]),
  failure: z.string().nullable(),
  notReady: z.string().nullable(),
  startedAt: timestampSchema,
  /** Issue 11: the maintenance window the request carried (re-checked before the stop). */
  window: jobWindowSchema.nullable().optional(),
  /** Issue 11: a reinstall of the active version into a new release folder. */
  redeploy: z.boolean().optional(),
  /** Release folder of the new version (absent: toVersion). */
  toRelease: releaseNameSchema.optional(),
  /** Release folder that ran before (absent: fromVersion). */
  fromRelease: releaseNameSchema.nullable().optional(),
  /** Issue 13: the drain's progress; absent (older journals) or null: not started. */
  drain: drainStateSchema.nullable().optional(),
  /** Issue 13: the recipe the request carried, applied into the new release (absent: none). */
  recipe: desiredRecipeSchema.nullable().optional(),
  /** Issue 13: how the new release takes over, decided at unpack (absent: stop-start). */
  strategy: z.enum(["stop-start", "hand-over"]).optional(),
});

export const serviceRecordSchema = z.object({
  activeVersion: semverSchema.nullable(),
  previousVersion: semverSchema.nullable(),
  status: statusSchema,
  reason: z.string().nullable(),
  requestId: requestIdSchema.nullable(),
  preferredVersion: semverSchema.nullable(),
  validFrom: timestampSchema.nullable(),
  progress: z.number().nullable(),
  updatedAt: timestampSchema,
  job: jobSchema.nullable(),
  /** Release folder of activeVersion (absent: the version itself). */
  activeRelease: releaseNameSchema.nullable().optional(),
  /** Release folder of previousVersion (absent: the version itself). */
  previousRelease: releaseNameSchema.nullable().optional(),
  /** Issue 13: the recipe the active release was built with (absent or null: none). */
  recipe: appliedRecipeSchema.nullable().optional(),
});

export const outboxEntrySchema = z.object({
  topic: z.string(),
  payload: z.string(),
  retain: z.boolean(),
});

/** The POS's presence (`pos` topic) as the agent keeps it: see readiness/pos-session.ts. */
export const posPresenceStateSchema = z.object({
  state: z.enum(["online", "offline"]),
  seq: z.number().int().min(0),
  /** When this agent first saw that state: the "stale since" of a crashed POS's session. */
  since: timestampSchema,
});

export const agentStateSchema = z.object({
  /** Next seq this agent will put on a document it sends (status, presence, log...). */
  nextSeq: z.number().int().min(0),
  /** seq of the last desired document applied; older or equal ones are refused. */
  lastDesiredSeq: z.number().int().min(0).nullable(),
  desired: desiredDocumentSchema.nullable(),
  services: z.record(functionNameSchema, serviceRecordSchema),
  /** Coordinator time minus local time, estimated from live desired documents. */
  clockOffsetMs: z.number(),
  session: sessionDocumentSchema.nullable(),
  /** Issue 13: the POS's presence; absent in journals written before it existed (= never seen). */
  pos: posPresenceStateSchema.nullable().optional(),
  outbox: z.array(outboxEntrySchema),
});

export type Job = z.infer<typeof jobSchema>;
export type DrainState = z.infer<typeof drainStateSchema>;
export type ServiceRecord = z.infer<typeof serviceRecordSchema>;
export type OutboxEntry = z.infer<typeof outboxEntrySchema>;
export type AgentState = z.infer<typeof agentStateSchema>;

export function emptyAgentState(): AgentState {
  return {
    nextSeq: 1,
    lastDesiredSeq: null,
    desired: null,
    services: {},
    clockOffsetMs: 0,
    session: null,
    outbox: [],
  };
}

/** A service the agent has just come to know: OK, no request, nothing in flight. */
export function newServiceRecord(activeVersion: string | null, now: string): ServiceRecord {
  return {
    activeVersion,
    previousVersion: null,
    status: "OK",
    reason: null,
    requestId: null,
    preferredVersion: null,
    validFrom: null,
    progress: null,
    updatedAt: now,
    job: null,
  };
}

/** The folder a job installs into. */
export function jobToRelease(job: Job): string {
  return job.toRelease ?? job.toVersion;
}

/** The folder that ran before the job (null: a first install). */
export function jobFromRelease(job: Job): string | null {
  return job.fromRelease === undefined ? job.fromVersion : job.fromRelease;
}

/** The folder `current` should point at for this record. */
export function activeReleaseOf(record: ServiceRecord): string | null {
  return record.activeRelease === undefined ? record.activeVersion : record.activeRelease;
}

/** The folder kept for a rollback besides the active one. */
export function previousReleaseOf(record: ServiceRecord): string | null {
  return record.previousRelease === undefined ? record.previousVersion : record.previousRelease;
}
