import { isDeepStrictEqual } from "node:util";
import type { RecipeScope } from "../../recipes/recipe-model.js";
import { EMPTY_SCHEDULES } from "../../schedules/schedule-state.js";
import { wsKey } from "../../state/coordinator-state.js";
import type { Queryable } from "../pg/pg-database.js";
import type { StoreSnapshot } from "./store-snapshot.js";
import { insertJsonBatches } from "./write-extra-kinds.js";

/**
 * Writes the kinds of migration 001 (store/pg/migrations/001-core.ts) into
 * an empty database, inside the caller's transaction, in the shape the
 * PostgreSQL classes read: workstations before what refers to them, audit
 * and recipes in their order (their serial ids keep it), the counters set
 * to the last value handed out so ids and seqs go on.
 */
export async function writeCoreKinds(tx: Queryable, snapshot: StoreSnapshot): Promise<void> {
  await insertJsonBatches(
    tx,
    `INSERT INTO workstations (store, workstation, record)
     SELECT r->>'store', r->>'workstation', r FROM jsonb_array_elements($1::jsonb) AS t(r)`,
    snapshot.workstations,
  );
  // Desired state belongs to an enrolled workstation (the tables say so); the JSON store
  // removes it with the workstation, so nothing is left out in practice.
  const enrolled = new Set(snapshot.workstations.map(wsKey));
  await insertJsonBatches(
    tx,
    `INSERT INTO desired (store, workstation, function, entry)
     SELECT r->>'store', r->>'workstation', r->>'function', r->'entry'
     FROM jsonb_array_elements($1::jsonb) AS t(r)`,
    snapshot.desired
      .filter(({ ref }) => enrolled.has(wsKey(ref)))
      .flatMap(({ ref, services }) =>
        Object.entries(services).map(([fn, entry]) => ({ ...ref, function: fn, entry })),
      ),
  );
  await insertJsonBatches(
    tx,
    `INSERT INTO desired_fields (store, workstation, fields)
     SELECT r->>'store', r->>'workstation', r->'fields' FROM jsonb_array_elements($1::jsonb) AS t(r)`,
    snapshot.desiredFields
      .filter(({ ref }) => enrolled.has(wsKey(ref)))
      .map(({ ref, fields }) => ({ ...ref, fields })),
  );
  await setCounter(tx, "desired_seq", snapshot.desiredSeq);
  await insertJsonBatches(
    tx,
    `INSERT INTO status_seqs (store, workstation, seq)
     SELECT r->>'store', r->>'workstation', (r->>'seq')::bigint FROM jsonb_array_elements($1::jsonb) AS t(r)`,
    snapshot.statusSeqs.map(({ ref, seq }) => ({ ...ref, seq })),
  );
  await insertJsonBatches(
    tx,
    `INSERT INTO fleet_rows (key, store, workstation, function, row)
     SELECT r->>'store' || '/' || (r->>'workstation') || '/' || (r->>'function'),
            r->>'store', r->>'workstation', r->>'function', r
     FROM jsonb_array_elements($1::jsonb) AS t(r)`,
    snapshot.fleetRows,
  );
  await insertJsonBatches(
    tx,
    // json, not jsonb: each entry keeps its keys in the order it was written (migration 003).
    `INSERT INTO audit (entry)
     SELECT r FROM json_array_elements($1::json) WITH ORDINALITY AS t(r, ord) ORDER BY ord`,
    snapshot.audit,
  );
  await insertJsonBatches(
    tx,
    `INSERT INTO packs (name, version, sha256, record)
     SELECT r->>'name', r->>'version', r->>'sha256', r FROM jsonb_array_elements($1::jsonb) AS t(r)`,
    snapshot.packs,
  );
  await insertJsonBatches(
    tx,
    `INSERT INTO releases (id, record)
     SELECT (r->>'id')::bigint, r FROM jsonb_array_elements($1::jsonb) AS t(r)`,
    snapshot.releases,
  );
  await setCounter(tx, "release_id", snapshot.lastReleaseId);
  // The blackout id counter and the owed notices are part of the state itself; a state
  // never changed stays unwritten, as the PostgreSQL store leaves it until its first change.
  if (!isDeepStrictEqual(snapshot.schedules, EMPTY_SCHEDULES))
    await tx.query("INSERT INTO schedules (id, state) VALUES (1, $1)", [
      JSON.stringify(snapshot.schedules),
    ]);
  await insertJsonBatches(
    tx,
    `INSERT INTO recipes (function, scope_key, record)
     SELECT r->'record'->>'function', r->>'scopeKey', r->'record'
     FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(r, ord) ORDER BY ord`,
    snapshot.recipes.map((record) => ({ scopeKey: recipeScopeKey(record.scope), record })),
  );
}

/** Sets a counter of migration 001 (which creates it at 0) to the last value handed out. */
async function setCounter(tx: Queryable, name: string, value: number): Promise<void> {
  await tx.query(
    `INSERT INTO counters (name, value) VALUES ($1, $2)
     ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value`,
    [name, value],
  );
}

/**
 * The recipes table's row key of a scope, as store/pg/pg-recipes.ts keys it
 * (`group:DE/North`, `store:1001`, `workstation:1001/01`); the migration
 * test sets a recipe after the move to check both agree.
 */
export function recipeScopeKey(scope: RecipeScope): string {
  if (scope.kind === "group") return `group:${scope.group}`;
  if (scope.kind === "store") return `store:${scope.store}`;
  return `workstation:${scope.store}/${scope.workstation}`;
}
