import * as z from "zod";
import { functionNameSchema, requestIdSchema, storeIdSchema, workstationIdSchema } from "../ids.js";
import { MAX_ID_LENGTH, MAX_REASON_LENGTH, MAX_URL_LENGTH } from "../limits.js";
import { whenString } from "../validation.js";
import { type MaintenanceWindow, maintenanceWindowSchema } from "../windows/maintenance-window.js";
import { documentHeader, semverSchema, servicesRecord, timestampSchema } from "./common.js";
import { conditional } from "./conditional.js";
import { desiredRecipeSchema } from "./recipe.js";

/** Where the agent fetches the pack, and what it must get. */
export const artifactSchema = z
  .object({
    url: z
      .string()
      .max(MAX_URL_LENGTH)
      .regex(/^https?:\/\/\S+$/, {
        error: whenString((input) => `${JSON.stringify(input)} is not an http(s) URL`),
      }),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, {
      error: whenString((input) => `${JSON.stringify(input)} is not a lowercase hex sha256`),
    }),
    size: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).meta({ description: "Bytes" }),
  })
  .meta({ description: "The function pack to download; its sha256 and size are checked" });

/**
 * The maintenance window as a message carries it: the same fields and rules,
 * but unknown fields are dropped instead of refused, as everywhere in a
 * message (PROTOCOL.md "Unknown fields"), so a later field cannot make this
 * agent refuse the whole document.
 */
const desiredWindowSchema: z.ZodType<MaintenanceWindow, MaintenanceWindow> = z
  .object(maintenanceWindowSchema.shape)
  .meta({ description: "A maintenance window in the store's own time zone" });

/**
 * How users are asked to leave before an update: maintenance on at once (no
 * new logins), a notice `noticeMinutes` ahead and one at the deadline; with
 * `force` the POS is asked to end the sessions at the deadline.
 */
export const drainPolicySchema = z
  .object({
    noticeMinutes: z.number().min(0).max(1440).meta({
      description: "Minutes between the first notice and the update (fractions allowed)",
    }),
    force: z.boolean().meta({
      description:
        "At the deadline ask the POS to end its sessions (notice request end-session) and proceed once clear",
    }),
  })
  .meta({ description: "Drain policy: notices before the update, and whether to force logouts" });

/** The operator's maintenance switch for one workstation (`tillroll maintenance on|off`). */
export const operatorMaintenanceSchema = z
  .object({
    active: z.boolean(),
    functions: z
      .array(functionNameSchema)
      .max(64)
      .meta({ description: "Flow services concerned; [] for the whole workstation" }),
    reason: z.string().max(MAX_REASON_LENGTH).nullable(),
    by: z.string().min(1).max(MAX_ID_LENGTH).meta({ description: "The operator who switched it" }),
  })
  .meta({ description: "Maintenance mode switched by an operator" });

/**
 * The audited way out of a stale POS session (a POS that died with users
 * logged in): the agent treats the session document with `seq <=
 * sessionSeq` as ended, but only while the POS is offline (stale).
 */
export const sessionReleaseSchema = z
  .object({
    sessionSeq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    by: z.string().min(1).max(MAX_ID_LENGTH),
    at: timestampSchema,
  })
  .meta({ description: "An operator released a stale POS session" });

export const desiredServiceSchema = z
  .object({
    preferredVersion: semverSchema
      .nullable()
      .meta({ description: "The version the coordinator wants; null is '-': no update planned" }),
    validFrom: timestampSchema
      .nullable()
      .meta({ description: "Earliest start, in coordinator time; null: at once" }),
    requestId: requestIdSchema.nullable(),
    artifact: artifactSchema.nullable(),
    // Issue 11, both optional so documents without them mean what they meant
    // before. Old agents drop them as unknown fields; the coordinator sends
    // them only to agents whose presence lists the capability (AGENT_CAPABILITIES).
    window: desiredWindowSchema.nullable().optional().meta({
      description:
        "Install only inside this maintenance window (in the store's zone, coordinator time); null or absent: no window",
    }),
    redeploy: z.boolean().optional().meta({
      description:
        "Install again even when preferredVersion is already active (a new requestId); absent: false",
    }),
    // Issue 13, optional as above (capabilities "drain" and "recipe").
    drain: drainPolicySchema.nullable().optional(),
    recipe: desiredRecipeSchema.nullable().optional(),
  })
  .superRefine((service, ctx) => {
    // A version without a pack to fetch cannot be carried out; a pack without
    // a version is meaningless. Either both or neither.
    if (service.preferredVersion !== null && service.artifact === null) {
      ctx.addIssue({
        code: "custom",
        path: ["artifact"],
        message: "is required when preferredVersion is set",
      });
    }
    if (service.preferredVersion !== null && service.requestId === null) {
      ctx.addIssue({
        code: "custom",
        path: ["requestId"],
        message: "is required when preferredVersion is set",
      });
    }
    if (service.preferredVersion === null && service.artifact !== null) {
      ctx.addIssue({
        code: "custom",
        path: ["artifact"],
        message: "must be null when preferredVersion is null",
      });
    }
  })
  .meta({
    // The refinement above, for JSON Schema validators.
    allOf: [
      conditional(
        { properties: { preferredVersion: { type: "null" } } },
        { properties: { artifact: { type: "null" } } },
        { properties: { artifact: { type: "object" }, requestId: { type: "string" } } },
      ),
    ],
  });

/**
 * The coordinator's whole wish for one workstation. Published retained and
 * signed on `ws/{store}/{ws}/desired`; a newer document replaces the older
 * one entirely (state, not events). `store` and `workstation` are inside the
 * signed bytes so a document cannot be replayed onto another till.
 */
export const desiredDocumentSchema = z
  .object({
    ...documentHeader,
    store: storeIdSchema,
    workstation: workstationIdSchema,
    services: servicesRecord(desiredServiceSchema),
    // Issue 13, optional (capabilities "maintenance" and "session-release").
    maintenance: operatorMaintenanceSchema.nullable().optional(),
    sessionRelease: sessionReleaseSchema.nullable().optional(),
  })
  .meta({ title: "Desired state", description: "Coordinator -> agent, retained, signed" });

export type Artifact = z.infer<typeof artifactSchema>;
export type DesiredService = z.infer<typeof desiredServiceSchema>;
export type DesiredDocument = z.infer<typeof desiredDocumentSchema>;
export type DrainPolicy = z.infer<typeof drainPolicySchema>;
export type OperatorMaintenance = z.infer<typeof operatorMaintenanceSchema>;
export type SessionRelease = z.infer<typeof sessionReleaseSchema>;
