import type { RecipeContent } from "@tillroll/protocol/pure";
import type { RecipeRecord, RecipeRevision, RecipeScope } from "../recipes/recipe-model.js";

/**
 * Recipes (issue 13) as stored: per function and scope (group, store,
 * workstation), every revision kept with its version, hash, who and when.
 * They hold secrets: an implementation keeps them readable by the
 * coordinator only. A change resolves once durable; a rejection means
 * nothing changed. Records handed out are copies.
 */
export interface RecipeStore {
  /** Every record (of one function when given), unset ones too (their history stays). */
  list(fn?: string): Promise<RecipeRecord[]>;
  /**
   * Stores `content` as the next revision of (fn, scope); `revision` is the
   * new one. A content equal to the current one writes nothing (`changed` false).
   */
  set(
    fn: string,
    scope: RecipeScope,
    content: RecipeContent,
    who: { by: string; at: string },
  ): Promise<{ revision: RecipeRevision; changed: boolean }>;
  /** Removes the current content of (fn, scope) as a revision; null (nothing written) when none is set. */
  unset(
    fn: string,
    scope: RecipeScope,
    who: { by: string; at: string },
  ): Promise<RecipeRevision | null>;
}
