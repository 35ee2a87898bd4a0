import { groupSchema } from "@tillroll/protocol";
import { z } from "zod";
import { OPERATOR_NAME_PATTERN } from "./identity.js";
import { ROLES } from "./roles.js";

/**
 * One operator as stored: never a secret itself, only hashes of them.
 * `credentialId` changes whenever new secrets are issued, so a web session
 * opened with the old password ends at once on `operator reset`.
 */
export const operatorRecordSchema = z
  .object({
    name: z.string().regex(OPERATOR_NAME_PATTERN),
    role: z.enum(ROLES),
    scope: groupSchema.nullable(),
    email: z.string().max(254).nullable(),
    /** `sha256:<hex>` of the API token. */
    tokenHash: z.string().regex(/^sha256:[0-9a-f]{64}$/),
    /** `scrypt$N$r$p$salt$hash` of the password. */
    passwordHash: z.string().startsWith("scrypt$"),
    credentialId: z.string().min(8),
    createdAt: z.string(),
    secretsIssuedAt: z.string(),
  })
  .strict();

export type OperatorRecord = z.infer<typeof operatorRecordSchema>;

/** Where the directory keeps its records: the JSON file today, a database later. */
export interface OperatorPersistence {
  /** Every record; an empty list when nothing was saved yet. */
  load(): Promise<OperatorRecord[]>;
  /** Replaces all records durably; resolves only once they survive a crash. */
  save(records: readonly OperatorRecord[]): Promise<void>;
}
