import type { RecipeContent, Status } from "@tillroll/protocol/pure";
import type { Operator } from "../accounts/identity.js";
import type { Filters } from "../fleet/filters.js";
import type { ServiceRef } from "../fleet/service-row.js";
import type { ChangeReport } from "../operations/operations-deps.js";
import type { ReleaseResult } from "../releases/release-console.js";
import type { RecipeScope } from "./recipe-model.js";
import type { RecipeMark } from "./resolve-recipe.js";

/** What the recipe routes answer (issue 13); secrets are always shown as "(secret)". */
export type RecipeResult<T> = ReleaseResult<T>;

/** A recipe's content as answers show it: secret values masked. */
export interface MaskedContent {
  readonly env: Record<string, string>;
  readonly files: Record<string, string>;
  readonly secrets: string[];
}

export interface RecipeSetAnswer {
  readonly function: string;
  readonly scope: RecipeScope;
  readonly version: number;
  readonly sha256: string;
  /** false: the content was the current one already, nothing written. */
  readonly changed: boolean;
  readonly by: string;
  readonly at: string;
  /** Rows (`store/ws/function`) whose effective recipe this change altered: `tillroll updates` lists them. */
  readonly affects: string[];
}

export interface RecipeUnsetAnswer {
  readonly function: string;
  readonly scope: RecipeScope;
  readonly version: number;
  readonly by: string;
  readonly at: string;
  readonly affects: string[];
}

export interface RecipeEntryView {
  readonly scope: RecipeScope;
  readonly version: number;
  readonly sha256: string;
  readonly by: string;
  readonly at: string;
  readonly content: MaskedContent;
}

export interface EffectiveView {
  readonly store: string;
  readonly workstation: string;
  readonly group: string | null;
  /** null: no recipe applies to the workstation's row of the function. */
  readonly recipe: {
    readonly version: number;
    readonly sha256: string;
    readonly content: MaskedContent;
    /** Where each key's value comes from (`group DE`, `store 1001`, …). */
    readonly from: { env: Record<string, string>; files: Record<string, string> };
  } | null;
}

export interface RecipeShowAnswer {
  readonly function: string;
  /** The recipes set (at the scope asked, else every one the viewer may see), root group first. */
  readonly entries: RecipeEntryView[];
  /** With `--effective STORE/WS`. */
  readonly effective?: EffectiveView;
}

export interface RecipeRevisionView {
  readonly version: number;
  readonly action: "set" | "unset";
  readonly sha256: string | null;
  readonly by: string;
  readonly at: string;
  readonly content: MaskedContent | null;
}

export interface RecipeHistoryAnswer {
  readonly function: string;
  readonly records: { scope: RecipeScope; history: RecipeRevisionView[] }[];
}

/** A row whose applied recipe differs from its effective one. */
export interface UpdateRow {
  readonly store: string;
  readonly workstation: string;
  readonly function: string;
  readonly group: string | null;
  readonly activeVersion: string | null;
  readonly status: Status;
  readonly applied: { version: number; sha256: string } | null;
  readonly effective: { version: number; sha256: string } | null;
  /** Why `rebuild` would skip it, when it would (an agent without the capability). */
  readonly note: string | null;
}

export interface RebuildRequest {
  readonly function: string;
  readonly filters: Filters;
  readonly rows?: readonly ServiceRef[] | undefined;
  readonly all: boolean;
  readonly dryRun: boolean;
}

/** The recipe operations the HTTP layer calls (operations/recipe-operations.ts). */
export interface RecipeConsole {
  set(
    fn: string,
    scope: RecipeScope,
    content: RecipeContent,
    who: Operator,
  ): Promise<RecipeResult<RecipeSetAnswer>>;
  unset(fn: string, scope: RecipeScope, who: Operator): Promise<RecipeResult<RecipeUnsetAnswer>>;
  show(
    fn: string,
    scope: RecipeScope | undefined,
    effective: { store: string; workstation: string } | undefined,
    viewer: Operator,
  ): Promise<RecipeResult<RecipeShowAnswer>>;
  history(fn: string, viewer: Operator): Promise<RecipeResult<RecipeHistoryAnswer>>;
  updates(filters: Filters, viewer: Operator): Promise<RecipeResult<UpdateRow[]>>;
  rebuild(request: RebuildRequest, who: Operator): Promise<RecipeResult<ChangeReport>>;
}

export type { RecipeMark };
