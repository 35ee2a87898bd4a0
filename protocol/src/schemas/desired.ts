import { z } from "zod";
import { requestIdSchema, storeIdSchema, workstationIdSchema } from "../ids.js";
import { MAX_URL_LENGTH } from "../limits.js";
import { whenString } from "../validation.js";
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
