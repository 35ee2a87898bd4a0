import {
  functionNameSchema,
  groupSchema,
  recipeHashSchema,
  semverSchema,
  statusSchema,
  storeIdSchema,
  timestampSchema,
  workstationIdSchema,
} from "@tillroll/protocol/pure";
import { z } from "zod";
import { recipeScopeSchema } from "../recipes/recipe-scope-schema.js";

/** The recipe routes' answers (issue 13); every secret value is "(secret)". */

const version = z.number().int().min(1);
const rowKeys = z.array(z.string());

const maskedContent = z.strictObject({
  env: z.record(z.string(), z.string()),
  files: z.record(z.string(), z.string()),
  secrets: z.array(z.string()),
});

export const recipeSetAnswer = z.strictObject({
  function: functionNameSchema,
  scope: recipeScopeSchema,
  version,
  sha256: recipeHashSchema,
  changed: z.boolean(),
  by: z.string(),
  at: timestampSchema,
  affects: rowKeys,
});

export const recipeUnsetAnswer = z.strictObject({
  function: functionNameSchema,
  scope: recipeScopeSchema,
  version,
  by: z.string(),
  at: timestampSchema,
  affects: rowKeys,
});

const entryView = z.strictObject({
  scope: recipeScopeSchema,
  version,
  sha256: recipeHashSchema,
  by: z.string(),
  at: timestampSchema,
  content: maskedContent,
});

export const recipeShowAnswer = z.strictObject({
  function: functionNameSchema,
  entries: z.array(entryView),
  effective: z
    .strictObject({
      store: storeIdSchema,
      workstation: workstationIdSchema,
      group: groupSchema.nullable(),
      recipe: z
        .strictObject({
          version,
          sha256: recipeHashSchema,
          content: maskedContent,
          from: z.strictObject({
            env: z.record(z.string(), z.string()),
            files: z.record(z.string(), z.string()),
          }),
        })
        .nullable(),
    })
    .optional(),
});

export const recipeHistoryAnswer = z.strictObject({
  function: functionNameSchema,
  records: z.array(
    z.strictObject({
      scope: recipeScopeSchema,
      history: z.array(
        z.strictObject({
          version,
          action: z.enum(["set", "unset"]),
          sha256: recipeHashSchema.nullable(),
          by: z.string(),
          at: timestampSchema,
          content: maskedContent.nullable(),
        }),
      ),
    }),
  ),
});

const appliedOrEffective = z.strictObject({ version, sha256: recipeHashSchema }).nullable();

export const updateRowsAnswer = z.array(
  z.strictObject({
    store: storeIdSchema,
    workstation: workstationIdSchema,
    function: functionNameSchema,
    group: groupSchema.nullable(),
    activeVersion: semverSchema.nullable(),
    status: statusSchema,
    applied: appliedOrEffective,
    effective: appliedOrEffective,
    note: z.string().nullable(),
  }),
);
