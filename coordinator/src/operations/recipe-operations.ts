import { MAX_RECIPE_BYTES, type RecipeContent } from "@tillroll/protocol/pure";
import type { Operator } from "../accounts/identity.js";
import { roleAllows } from "../accounts/roles.js";
import {
  checkChangeScope,
  describeScope,
  filterReadable,
  scopeContains,
  scopeCovers,
} from "../accounts/scope.js";
import type { Filters } from "../fleet/filters.js";
import { selectRows } from "../fleet/row-selection.js";
import { rowKey } from "../fleet/service-row.js";
import { planRebuild } from "../recipes/plan-rebuild.js";
import type {
  EffectiveView,
  MaskedContent,
  RebuildRequest,
  RecipeConsole,
  RecipeEntryView,
  RecipeHistoryAnswer,
  RecipeResult,
  RecipeSetAnswer,
  RecipeShowAnswer,
  RecipeUnsetAnswer,
  UpdateRow,
} from "../recipes/recipe-console.js";
import {
  currentOf,
  describeRecipeScope,
  maskRecipe,
  type RecipeRecord,
  type RecipeScope,
} from "../recipes/recipe-model.js";
import { RECIPE_CAPABILITY } from "../recipes/recipe-source.js";
import { recipeMark, recipeValueBytes, resolveRecipe } from "../recipes/resolve-recipe.js";
import { wsKey } from "../state/coordinator-state.js";
import type { RecipeStore } from "../store/recipe-store.js";
import { applyPlanUnlessDry } from "./apply-plan.js";
import { done, type Refusal, refused } from "./console-result.js";
import { type ChangeReport, isoNow, type OperationsDeps, recordAction } from "./operations-deps.js";

/** What the recipe operations are built from: the console's deps, the recipe store, capabilities. */
export interface RecipeOperationsDeps extends OperationsDeps {
  readonly recipeStore: RecipeStore;
  readonly capabilitiesOf: (store: string, workstation: string) => readonly string[] | null;
  readonly log: (message: string) => void;
}

/**
 * The console's recipes (issue 13): set and unset (an admin; a partner
 * admin inside its scope), show and history (any role, what its scope
 * reaches), `updates` (rows whose applied recipe differs from the effective
 * one) and `rebuild` (an operator: a new request of the active version with
 * `redeploy` and the recipe of now). Secrets are masked in every answer,
 * audit entry and log line. Setting a recipe changes no desired entry: the
 * agent installs only on a new request, so the rebuild is the explicit step.
 */
export class RecipeOperations implements RecipeConsole {
  constructor(private readonly deps: RecipeOperationsDeps) {}

  async set(
    fn: string,
    scope: RecipeScope,
    content: RecipeContent,
    who: Operator,
  ): Promise<RecipeResult<RecipeSetAnswer>> {
    const denied = await this.changeRefusal(who, "recipe set", scope);
    if (denied !== null) return denied;
    const before = await this.deps.recipeStore.list(fn);
    const tooBig = await this.oversized(fn, withContent(before, fn, scope, content));
    if (tooBig !== null) return refused("invalid", tooBig);
    const at = isoNow(this.deps);
    const { revision, changed } = await this.deps.recipeStore.set(fn, scope, content, {
      by: who.name,
      at,
    });
    const affects = changed ? await this.affected(fn, before) : [];
    if (changed) {
      await recordAction(
        this.deps,
        who,
        "recipe set",
        {
          function: fn,
          scope: describeRecipeScope(scope),
          version: revision.version,
          sha256: revision.sha256,
          // Names only: values (secrets among them) never reach the audit.
          env: Object.keys(content.env).sort(),
          files: Object.keys(content.files).sort(),
          secrets: [...content.secrets].sort(),
        },
        affects,
        0,
      );
      this.deps.log(
        `recipe ${fn} at ${describeRecipeScope(scope)} set by ${who.name}: version ${revision.version} (sha256 ${revision.sha256}), ${affects.length} row(s) affected`,
      );
    }
    return done({
      function: fn,
      scope,
      version: revision.version,
      sha256: revision.sha256 as string,
      changed,
      by: revision.by,
      at: revision.at,
      affects,
    });
  }

  async unset(
    fn: string,
    scope: RecipeScope,
    who: Operator,
  ): Promise<RecipeResult<RecipeUnsetAnswer>> {
    const denied = await this.changeRefusal(who, "recipe unset", scope);
    if (denied !== null) return denied;
    const before = await this.deps.recipeStore.list(fn);
    const revision = await this.deps.recipeStore.unset(fn, scope, {
      by: who.name,
      at: isoNow(this.deps),
    });
    if (revision === null)
      return refused(
        "not-found",
        `${fn} has no recipe set at ${describeRecipeScope(scope)} (tillroll recipe show ${fn})`,
      );
    const affects = await this.affected(fn, before);
    await recordAction(
      this.deps,
      who,
      "recipe unset",
      { function: fn, scope: describeRecipeScope(scope), version: revision.version },
      affects,
      0,
    );
    this.deps.log(
      `recipe ${fn} at ${describeRecipeScope(scope)} unset by ${who.name} (version ${revision.version}), ${affects.length} row(s) affected`,
    );
    return done({
      function: fn,
      scope,
      version: revision.version,
      by: revision.by,
      at: revision.at,
      affects,
    });
  }

  async show(
    fn: string,
    scope: RecipeScope | undefined,
    effective: { store: string; workstation: string } | undefined,
    viewer: Operator,
  ): Promise<RecipeResult<RecipeShowAnswer>> {
    const records = await this.deps.recipeStore.list(fn);
    const visible = await this.visibility(viewer);
    const entries: RecipeEntryView[] = [];
    for (const record of sortRecords(records)) {
      if (scope !== undefined && !sameScopeLoose(record.scope, scope)) continue;
      if (!visible(record.scope)) continue;
      const current = currentOf(record);
      if (current === null) continue;
      entries.push({
        scope: record.scope,
        version: current.version,
        sha256: current.sha256,
        by: current.by,
        at: current.at,
        content: masked(current.content),
      });
    }
    if (effective === undefined) return done({ function: fn, entries });
    const ws = await this.deps.workstations.get(effective);
    if (ws === undefined)
      return refused(
        "not-found",
        `workstation ${effective.store}/${effective.workstation} is not enrolled (tillroll workstation list)`,
      );
    if (!scopeCovers(viewer.scope, ws.group))
      return refused(
        "forbidden",
        `refused: workstation ${effective.store}/${effective.workstation} lies outside your scope ${describeScope(viewer.scope)}`,
      );
    return done({ function: fn, entries, effective: effectiveView(records, fn, ws) });
  }

  async history(fn: string, viewer: Operator): Promise<RecipeResult<RecipeHistoryAnswer>> {
    const visible = await this.visibility(viewer);
    const records = sortRecords(await this.deps.recipeStore.list(fn)).filter((r) =>
      visible(r.scope),
    );
    return done({
      function: fn,
      records: records.map((record) => ({
        scope: record.scope,
        history: record.history.map((revision) => ({
          version: revision.version,
          action: revision.content === null ? "unset" : "set",
          sha256: revision.sha256,
          by: revision.by,
          at: revision.at,
          content: revision.content === null ? null : masked(revision.content),
        })),
      })),
    });
  }

  async updates(filters: Filters, viewer: Operator): Promise<RecipeResult<UpdateRow[]>> {
    const records = await this.deps.recipeStore.list();
    const rows = filterReadable(viewer, await this.deps.fleet.query(filters));
    const updates: UpdateRow[] = [];
    for (const row of rows) {
      const effective = resolveRecipe(records, row.function, row);
      if (recipeMark(effective, row.appliedRecipe) !== "outdated") continue;
      const capable =
        this.deps.capabilitiesOf(row.store, row.workstation)?.includes(RECIPE_CAPABILITY) ?? false;
      updates.push({
        store: row.store,
        workstation: row.workstation,
        function: row.function,
        group: row.group,
        activeVersion: row.activeVersion,
        status: row.status,
        applied: row.appliedRecipe ?? null,
        effective:
          effective === null ? null : { version: effective.version, sha256: effective.sha256 },
        note: capable ? null : "agent does not understand recipes (update tillroll-agent)",
      });
    }
    return done(updates);
  }

  async rebuild(request: RebuildRequest, who: Operator): Promise<RecipeResult<ChangeReport>> {
    const picked = selectRows(request.filters, request.rows);
    const rows = (await this.deps.fleet.query(picked.filters)).filter(picked.keeps);
    const packs = new Map(
      (await this.deps.packs.list(request.function)).map((p) => [p.version, p]),
    );
    const plan = planRebuild(rows, {
      heldBy: (key) => this.deps.releaseHolding?.(key),
      capabilitiesOf: this.deps.capabilitiesOf,
      packOf: (_fn, version) => {
        const pack = packs.get(version);
        if (pack === undefined) return "missing";
        return pack.withdrawnAt === undefined ? "offered" : "withdrawn";
      },
    });
    const inScope = checkChangeScope(who, rows);
    if (!inScope.ok) return refused("forbidden", inScope.error);
    const report = await applyPlanUnlessDry(this.deps, plan, request.dryRun, who, {
      action: "rebuild",
      details: { function: request.function, filters: request.filters, all: request.all },
      validFrom: isoNow(this.deps),
      redeploy: true,
    });
    if (!report.dryRun && report.changed.length > 0)
      this.deps.log(
        `rebuild ${request.function} by ${who.name}: ${report.changed.length} row(s) sent, ${report.skipped.length} skipped`,
      );
    return done(report);
  }

  /**
   * Why `records` cannot be stored: a row of `fn` whose merged recipe would be
   * above the limit a desired entry may carry (each scope's recipe is within
   * it, their merge need not be); null when none.
   */
  private async oversized(fn: string, records: readonly RecipeRecord[]): Promise<string | null> {
    for (const row of await this.deps.fleet.query({ function: [fn] })) {
      const effective = resolveRecipe(records, fn, row);
      const bytes = effective === null ? 0 : recipeValueBytes(effective);
      if (bytes > MAX_RECIPE_BYTES)
        return `recipe: the effective ${fn} recipe of ${row.store}/${row.workstation} would be ${bytes} bytes of values and files, above the limit of ${MAX_RECIPE_BYTES}`;
    }
    return null;
  }

  /** The rows of `fn` whose effective recipe differs between `before` and the records now. */
  private async affected(fn: string, before: readonly RecipeRecord[]): Promise<string[]> {
    const after = await this.deps.recipeStore.list(fn);
    const rows = await this.deps.fleet.query({ function: [fn] });
    return rows
      .filter((row) => {
        const was = resolveRecipe(before, fn, row)?.sha256 ?? null;
        const now = resolveRecipe(after, fn, row)?.sha256 ?? null;
        return was !== now;
      })
      .map((row) => rowKey(row));
  }

  /** Set and unset: an admin; a partner admin only inside its scope. */
  private async changeRefusal(
    who: Operator,
    action: string,
    scope: RecipeScope,
  ): Promise<Refusal | null> {
    if (!roleAllows(who.role, "admin"))
      return refused("forbidden", `${action} needs the admin role; you are ${who.role}`);
    if (who.scope === null) return null;
    const outside = `lies outside your scope ${describeScope(who.scope)}`;
    if (scope.kind === "group")
      return scopeContains(who.scope, scope.group)
        ? null
        : refused("forbidden", `refused: group ${scope.group} ${outside}`);
    const groups = (await this.deps.workstations.list())
      .filter(
        (ws) =>
          ws.store === scope.store &&
          (scope.kind === "store" || ws.workstation === scope.workstation),
      )
      .map((ws) => ws.group);
    if (groups.length === 0)
      return refused(
        "forbidden",
        `refused: ${describeRecipeScope(scope)} has no enrolled workstation, so it is not known to lie inside your scope ${describeScope(who.scope)}`,
      );
    return groups.every((group) => scopeCovers(who.scope, group))
      ? null
      : refused("forbidden", `refused: ${describeRecipeScope(scope)} ${outside}`);
  }

  /** Which scopes' recipes a viewer may read: its groups' and their parents', its stores'. */
  private async visibility(viewer: Operator): Promise<(scope: RecipeScope) => boolean> {
    const limit = viewer.scope;
    if (limit === null) return () => true;
    const stores = new Map<string, (string | null)[]>();
    const workstations = new Map<string, string | null>();
    for (const ws of await this.deps.workstations.list()) {
      stores.set(ws.store, [...(stores.get(ws.store) ?? []), ws.group]);
      workstations.set(wsKey(ws), ws.group);
    }
    return (scope) => {
      if (scope.kind === "group")
        return scopeContains(limit, scope.group) || scopeContains(scope.group, limit);
      if (scope.kind === "store")
        return (stores.get(scope.store) ?? []).some((group) => scopeCovers(limit, group));
      const group = workstations.get(wsKey(scope));
      return group !== undefined && scopeCovers(limit, group);
    };
  }
}

/** `records` as they would be with `content` set at (fn, scope): what a set is checked against. */
function withContent(
  records: readonly RecipeRecord[],
  fn: string,
  scope: RecipeScope,
  content: RecipeContent,
): RecipeRecord[] {
  const revision = { version: 1, sha256: "pending", content, by: "", at: "" };
  const others = records.filter((r) => !(r.function === fn && sameScopeLoose(r.scope, scope)));
  return [...others, { function: fn, scope, history: [revision] }];
}

function masked(content: RecipeContent): MaskedContent {
  const view = maskRecipe(content);
  return { env: view.env, files: view.files, secrets: [...view.secrets].sort() };
}

function sameScopeLoose(a: RecipeScope, b: RecipeScope): boolean {
  return describeRecipeScope(a) === describeRecipeScope(b);
}

/** Root group first, deeper groups, then stores, then workstations (the merge order). */
function sortRecords(records: readonly RecipeRecord[]): RecipeRecord[] {
  const rank = (scope: RecipeScope) =>
    scope.kind === "group" ? scope.group.split("/").length : scope.kind === "store" ? 100 : 200;
  return [...records].sort(
    (a, b) =>
      rank(a.scope) - rank(b.scope) ||
      describeRecipeScope(a.scope).localeCompare(describeRecipeScope(b.scope)),
  );
}

function effectiveView(
  records: readonly RecipeRecord[],
  fn: string,
  ws: { store: string; workstation: string; group: string | null },
): EffectiveView {
  const resolved = resolveRecipe(records, fn, ws);
  const base = { store: ws.store, workstation: ws.workstation, group: ws.group };
  if (resolved === null) return { ...base, recipe: null };
  const name = (record: Readonly<Record<string, RecipeScope>>) =>
    Object.fromEntries(
      Object.entries(record).map(([key, scope]) => [key, describeRecipeScope(scope)]),
    );
  return {
    ...base,
    recipe: {
      version: resolved.version,
      sha256: resolved.sha256,
      content: masked({
        env: { ...resolved.env },
        files: { ...resolved.files },
        secrets: [...resolved.secrets],
      }),
      from: { env: name(resolved.from.env), files: name(resolved.from.files) },
    },
  };
}
