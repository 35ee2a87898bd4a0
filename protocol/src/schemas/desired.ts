import { z } from "zod";
import { requestIdSchema, storeIdSchema, workstationIdSchema } from "../ids.js";
import { MAX_URL_LENGTH } from "../limits.js";
import { whenString } from "../validation.js";
import { type MaintenanceWindow, maintenanceWindowSchema } from "../windows/maintenance-window.js";
import { documentHeader, semverSchema, servicesRecord, timestampSchema } from "./common.js";
import { conditional } from "./conditional.js";

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
  })
  .meta({ title: "Desired state", description: "Coordinator -> agent, retained, signed" });

export type Artifact = z.infer<typeof artifactSchema>;
export type DesiredService = z.infer<typeof desiredServiceSchema>;
export type DesiredDocument = z.infer<typeof desiredDocumentSchema>;
