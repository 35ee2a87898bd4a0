import { z } from "zod";
import { storedWhoSchema } from "../accounts/audit-identity.js";

/**
 * One console action: who, when, what, and the rows it touched. Pure (no
 * files): the API's answer schemas, and so the web console's contract,
 * use it; audit-log.ts reads and writes the entries.
 */
export const auditEntrySchema = z.object({
  at: z.string(),
  /** `{name, role}` of the operator; entries from before operators existed hold a string. */
  who: storedWhoSchema,
  action: z.string(),
  /** The request as the operator gave it (filters, version, valid-from...). */
  details: z.record(z.string(), z.unknown()),
  /** `store/ws/function` of every row changed, and how many were skipped. */
  touched: z.array(z.string()),
  skipped: z.number().int().min(0),
});

export type AuditEntry = z.infer<typeof auditEntrySchema>;
