import {
  artifactSchema,
  desiredRecipeSchema,
  drainPolicySchema,
  functionNameSchema,
  groupSchema,
  maintenanceWindowSchema,
  operatorMaintenanceSchema,
  requestIdSchema,
  semverSchema,
  sessionReleaseSchema,
  storeIdSchema,
  timestampSchema,
  workstationIdSchema,
} from "@tillroll/protocol";
import { z } from "zod";

/**
 * The coordinator's own records (`DIR/coordinator.json`): enrolled
 * workstations with their hashed broker credentials, and the desired state of
 * every workstation. Desired state is the coordinator's: the embedded broker
 * keeps nothing across restarts, so it is republished from here on start.
 */
export const COORDINATOR_STATE_VERSION = 1;

export const workstationRecordSchema = z.object({
  store: storeIdSchema,
  workstation: workstationIdSchema,
  group: groupSchema.nullable(),
  /** scrypt hashes; the secrets themselves are shown once, at enrolment. */
  agentSecretHash: z.string(),
  posSecretHash: z.string(),
  enrolledAt: timestampSchema,
  /**
   * Mosquitto password-file lines (`user:$7$…`) of the two accounts, made at
   * enrolment (the only moment the secrets exist) for `tillroll broker-config
   * mosquitto`. Absent for workstations enrolled before they were kept.
   */
  mosquittoLines: z.object({ agent: z.string(), pos: z.string() }).optional(),
  /**
   * Issue 11: what its agent said it understands (presence `capabilities`),
   * kept so a coordinator restart knows before the agent says it again.
   * Absent: it never said (an older agent).
   */
  capabilities: z.array(z.string()).optional(),
});

export const desiredEntrySchema = z.object({
  preferredVersion: semverSchema.nullable(),
  validFrom: timestampSchema.nullable(),
  requestId: requestIdSchema.nullable(),
  artifact: artifactSchema.nullable(),
  /** Issue 11: install only inside this window (window-mode releases); absent: no window. */
  window: maintenanceWindowSchema.nullable().optional(),
  /** Issue 11: reinstall even when preferred is active (redeploy releases); absent: false. */
  redeploy: z.boolean().optional(),
  /**
   * Issue 13: the effective recipe when the request was made (only for
   * agents with capability "recipe"); absent: none. Holds secrets: this
   * file is mode 600.
   */
  recipe: desiredRecipeSchema.nullable().optional(),
  /** Issue 13: how users are asked to leave first (only for agents with capability "drain"). */
  drain: drainPolicySchema.nullable().optional(),
});

/**
 * Issue 13: the desired document's own fields (not per service) of one
 * workstation. `sessionRelease`: the operator's audited release of a stale
 * POS session (`tillroll pos-session release`), kept until the next one.
 */
export const desiredFieldsSchema = z.object({
  sessionRelease: sessionReleaseSchema.nullable().optional(),
  /** Issue 13: the operator's maintenance switch (`tillroll maintenance on|off`); null: off. */
  maintenance: operatorMaintenanceSchema.nullable().optional(),
});

export const coordinatorStateSchema = z.object({
  workstations: z.record(z.string(), workstationRecordSchema),
  /** Desired services per workstation key `store/ws`. */
  desired: z.record(z.string(), z.record(functionNameSchema, desiredEntrySchema)),
  /** seq of the last desired document published; documents only ever go up. */
  desiredSeq: z.number().int().min(0),
  /** Issue 13: document-level desired fields per workstation key; absent in older files. */
  desiredFields: z.record(z.string(), desiredFieldsSchema).optional(),
  /** Last status seq applied per workstation: older or equal reports are dropped. */
  statusSeq: z.record(z.string(), z.number().int().min(0)),
});

export type WorkstationRecord = z.infer<typeof workstationRecordSchema>;
export type DesiredEntry = z.infer<typeof desiredEntrySchema>;
export type DesiredFields = z.infer<typeof desiredFieldsSchema>;
export type CoordinatorState = z.infer<typeof coordinatorStateSchema>;

export function emptyCoordinatorState(): CoordinatorState {
  return { workstations: {}, desired: {}, desiredSeq: 0, statusSeq: {} };
}

export function wsKey(ref: { store: string; workstation: string }): string {
  return `${ref.store}/${ref.workstation}`;
}
