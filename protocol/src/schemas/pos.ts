import * as z from "zod";
import { functionNameSchema } from "../ids.js";
import { MAX_ID_LENGTH, MAX_REASON_LENGTH, MAX_SESSION_USERS } from "../limits.js";
import { documentHeader, timestampSchema } from "./common.js";

/**
 * What the POS tells the agent about its till, retained on
 * `ws/{store}/{ws}/session`. The agent does not stop a flow service while a
 * user is logged in or a transaction is open (status Not Ready).
 */
export const sessionDocumentSchema = z
  .object({
    ...documentHeader,
    users: z
      .array(z.string().min(1).max(MAX_ID_LENGTH))
      .max(MAX_SESSION_USERS)
      .meta({ description: "Login names of the users logged in now; [] when none" }),
    transactionInProgress: z.boolean(),
    maintenanceSeq: z
      .number()
      .int()
      .min(0)
      .max(Number.MAX_SAFE_INTEGER)
      .nullable()
      .optional()
      .meta({
        description:
          "The seq of the latest maintenance document this POS has applied (its acknowledgement); absent: none",
      }),
  })
  .meta({ title: "POS session", description: "POS -> agent, retained" });

/**
 * Published by the agent, retained on `ws/{store}/{ws}/maintenance`, while it
 * installs: the POS admits no new logins while `active` is true (the seeds'
 * maintenance mode). The agent always switches it off afterwards, whatever
 * the outcome.
 */
export const maintenanceDocumentSchema = z
  .object({
    ...documentHeader,
    active: z.boolean(),
    functions: z
      .array(functionNameSchema)
      .max(64)
      .meta({ description: "Flow services being updated; [] when inactive" }),
    reason: z.string().max(MAX_REASON_LENGTH).nullable(),
    scope: z.enum(["workstation", "store"]).optional().meta({
      description:
        "store: every POS of the store admits no new logins (a store server is updated); absent: workstation",
    }),
  })
  .meta({ title: "Maintenance mode", description: "Agent -> POS, retained" });

/** A message for the people at the till ("update in 2 minutes"); not retained. */
export const noticeDocumentSchema = z
  .object({
    ...documentHeader,
    level: z.enum(["info", "warning"]),
    text: z.string().min(1).max(MAX_REASON_LENGTH),
    function: functionNameSchema.nullable(),
    at: timestampSchema
      .nullable()
      .meta({ description: "When the announced event happens, if it is in the future" }),
    request: z.enum(["end-session"]).nullable().optional().meta({
      description:
        "end-session: end the users' sessions now (after the open transaction) and publish the session document; absent: none",
    }),
  })
  .meta({ title: "Notice", description: "Agent -> POS, not retained" });

export type SessionDocument = z.infer<typeof sessionDocumentSchema>;
export type MaintenanceDocument = z.infer<typeof maintenanceDocumentSchema>;
export type NoticeDocument = z.infer<typeof noticeDocumentSchema>;

/**
 * The POS's own presence, retained on `ws/{store}/{ws}/pos`: `online` once
 * connected, `offline` armed as its last will (MQTT 3.1.1 §3.1.2.5), as the
 * agent does with `presence`. It tells a live session from one a crashed POS
 * left behind.
 */
export const posPresenceDocumentSchema = z
  .object({
    ...documentHeader,
    state: z.enum(["online", "offline"]),
  })
  .meta({ title: "POS presence", description: "POS -> agent, retained, last will 'offline'" });

export type PosPresenceDocument = z.infer<typeof posPresenceDocumentSchema>;
