import * as z from "zod";
import { requestIdSchema, storeIdSchema, workstationIdSchema } from "../ids.js";
import { MAX_REASON_LENGTH } from "../limits.js";
import { PHASES, STATUSES } from "../status-model.js";
import {
  documentHeader,
  semverSchema,
  seqSchema,
  servicesRecord,
  timestampSchema,
} from "./common.js";
import { conditional } from "./conditional.js";
import { appliedRecipeSchema } from "./recipe.js";

export const statusSchema = z
  .enum(STATUSES)
  .meta({ description: "The six statuses of a flow service" });

export const phaseSchema = z.enum(PHASES).meta({ description: "Where an In Progress update is" });

const reasonSchema = z.string().min(1).max(MAX_REASON_LENGTH);

/** Statuses that must say why: a person has to act on them or wait for them. */
const NEEDS_REASON_LIST = ["Not Ready", "Rolled Back", "Failed"] as const;
const NEEDS_REASON: ReadonlySet<string> = new Set(NEEDS_REASON_LIST);

export const serviceStatusSchema = z
  .object({
    status: statusSchema,
    activeVersion: semverSchema
      .nullable()
      .meta({ description: "What really runs now; null before a first install" }),
    preferredVersion: semverSchema.nullable(),
    requestId: requestIdSchema.nullable(),
    validFrom: timestampSchema.nullable(),
    phase: phaseSchema.nullable(),
    progress: z
      .number()
      .min(0)
      .max(100)
      .nullable()
      .meta({ description: "Percent of the current phase, when known (downloading)" }),
    reason: reasonSchema.nullable().meta({
      description: "Why: the Not Ready cause, or the failure of a Rolled Back / Failed update",
    }),
    updatedAt: timestampSchema.meta({ description: "When this service's status last changed" }),
    recipe: appliedRecipeSchema.nullable().optional().meta({
      description: "The recipe the active release was built with; null or absent: none (issue 13)",
    }),
  })
  .superRefine((service, ctx) => {
    if (service.status === "In Progress" && service.phase === null) {
      ctx.addIssue({
        code: "custom",
        path: ["phase"],
        message: "is required when status is In Progress",
      });
    }
    if (service.status !== "In Progress" && service.phase !== null) {
      ctx.addIssue({
        code: "custom",
        path: ["phase"],
        message: `must be null when status is ${service.status}`,
      });
    }
    if (NEEDS_REASON.has(service.status) && service.reason === null) {
      ctx.addIssue({
        code: "custom",
        path: ["reason"],
        message: `is required when status is ${service.status}`,
      });
    }
  })
  .meta({
    // The refinement above, for JSON Schema validators.
    allOf: [
      conditional(
        { properties: { status: { const: "In Progress" } } },
        { properties: { phase: { type: "string" } } },
        { properties: { phase: { type: "null" } } },
      ),
      conditional(
        { properties: { status: { enum: [...NEEDS_REASON_LIST] } } },
        { properties: { reason: { type: "string" } } },
      ),
    ],
  });

/**
 * The agent's whole report for its workstation, retained on
 * `ws/{store}/{ws}/status`: every service, every time, so the newest
 * document alone tells the truth.
 */
export const statusDocumentSchema = z
  .object({
    ...documentHeader,
    store: storeIdSchema,
    workstation: workstationIdSchema,
    desiredSeq: seqSchema
      .nullable()
      .meta({ description: "seq of the last desired document the agent applied; null if none" }),
    services: servicesRecord(serviceStatusSchema),
  })
  .meta({ title: "Status", description: "Agent -> coordinator, retained" });

export type ServiceStatus = z.infer<typeof serviceStatusSchema>;
export type StatusDocument = z.infer<typeof statusDocumentSchema>;
