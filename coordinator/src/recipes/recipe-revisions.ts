import { type RecipeContent, recipeHash } from "@tillroll/protocol";
import {
  currentOf,
  type RecipeRecord,
  type RecipeRevision,
  type RecipeScope,
} from "./recipe-model.js";

/**
 * The revisions a recipe change makes, as pure functions of the (function,
 * scope) record as stored (undefined: never set), shared by both
 * RecipeStores (JSON file, PostgreSQL table), which differ only in how they
 * find the record and make the change durable.
 */

/** Who changed a recipe (operator name) and when (ISO 8601 UTC). */
export type RecipeAuthor = { by: string; at: string };

/** The revision setting `content` makes; `changed` false (nothing to write) when it is current already. */
export function setRevision(
  record: RecipeRecord | undefined,
  content: RecipeContent,
  who: RecipeAuthor,
): { revision: RecipeRevision; changed: boolean } {
  const sha256 = recipeHash(content);
  const current = record === undefined ? null : currentOf(record);
  if (current !== null && current.sha256 === sha256) return { revision: current, changed: false };
  const revision: RecipeRevision = {
    version: nextVersion(record),
    sha256,
    content: structuredClone(content),
    ...who,
  };
  return { revision, changed: true };
}

/** The revision an unset makes; null (nothing to write) when nothing is set. */
export function unsetRevision(
  record: RecipeRecord | undefined,
  who: RecipeAuthor,
): RecipeRevision | null {
  if (record === undefined || currentOf(record) === null) return null;
  return { version: nextVersion(record), sha256: null, content: null, ...who };
}

/** The record with `revision` appended to its history (a new record when there is none). */
export function recordWith(
  record: RecipeRecord | undefined,
  fn: string,
  scope: RecipeScope,
  revision: RecipeRevision,
): RecipeRecord {
  return record === undefined
    ? { function: fn, scope: { ...scope }, history: [revision] }
    : { ...record, history: [...record.history, revision] };
}

/** Versions count on from the last revision: never handed out twice, unsets included. */
function nextVersion(record: RecipeRecord | undefined): number {
  return (record?.history[record.history.length - 1]?.version ?? 0) + 1;
}
