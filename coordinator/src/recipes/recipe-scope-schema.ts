import { groupSchema, storeIdSchema, workstationIdSchema } from "@tillroll/protocol/pure";
import { z } from "zod";

/** A recipe's scope as files and answers carry it (pure: the browser's contract uses it too). */
export const recipeScopeSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("group"), group: groupSchema }),
  z.strictObject({ kind: z.literal("store"), store: storeIdSchema }),
  z.strictObject({
    kind: z.literal("workstation"),
    store: storeIdSchema,
    workstation: workstationIdSchema,
  }),
]);
