import type { Queryable } from "../pg/pg-database.js";
import { WEBHOOK_ID_COUNTER } from "../pg/pg-webhooks.js";
import type { StoreSnapshot } from "./store-snapshot.js";

/** Rows per INSERT: a jsonb array of this many records is one statement. */
const BATCH = 1000;

/** Inserts `records` in batches through `sql`, which reads them from `$1::jsonb` (an array). */
export async function insertJsonBatches(
  tx: Queryable,
  sql: string,
  records: readonly unknown[],
): Promise<void> {
  for (let start = 0; start < records.length; start += BATCH)
    await tx.query(sql, [JSON.stringify(records.slice(start, start + BATCH))]);
}

/**
 * Writes the kinds of migration 002 (operators, notices with task mail,
 * webhooks with their id counter, install logs with each row's last n) into
 * an empty database, inside the caller's transaction.
 */
export async function writeExtraKinds(tx: Queryable, snapshot: StoreSnapshot): Promise<void> {
  await insertJsonBatches(
    tx,
    `INSERT INTO operators (name, position, record)
     SELECT r->>'name', ord::integer, r FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(r, ord)`,
    snapshot.operators,
  );
  await insertJsonBatches(
    tx,
    `INSERT INTO notices (seq, key, record)
     SELECT (r->>'seq')::bigint, r->>'key', r FROM jsonb_array_elements($1::jsonb) AS t(r)`,
    snapshot.notices,
  );
  await insertJsonBatches(
    tx,
    `INSERT INTO notice_task_mail (task, position, recipients)
     SELECT r->>'task', ord, r->'to' FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(r, ord)`,
    snapshot.taskMail,
  );
  await insertJsonBatches(
    tx,
    `INSERT INTO webhooks (id, record)
     SELECT (r->>'id')::bigint, r FROM jsonb_array_elements($1::jsonb) AS t(r)`,
    snapshot.webhooks,
  );
  if (snapshot.lastWebhookId > 0)
    await tx.query("INSERT INTO counters (name, value) VALUES ($1, $2)", [
      WEBHOOK_ID_COUNTER,
      snapshot.lastWebhookId,
    ]);
  await insertJsonBatches(
    tx,
    `INSERT INTO install_log_rows (store, workstation, function, last_n)
     SELECT r->>'store', r->>'workstation', r->>'function', (r->>'lastN')::bigint
     FROM jsonb_array_elements($1::jsonb) AS t(r)`,
    snapshot.installLogs.map(({ row, lastN }) => ({ ...row, lastN })),
  );
  const lines = snapshot.installLogs.flatMap(({ row, lines }) =>
    lines.map(({ n, seq, kept, at, requestId, level, source, stream, text }) => ({
      ...row,
      n,
      seq,
      kept,
      line: { at, requestId, level, source, stream, text },
    })),
  );
  await insertJsonBatches(
    tx,
    `INSERT INTO install_log_lines (store, workstation, function, n, seq, at, request_id, kept, line)
     SELECT r->>'store', r->>'workstation', r->>'function', (r->>'n')::bigint, (r->>'seq')::bigint,
            r->'line'->>'at', r->'line'->>'requestId', (r->>'kept')::bigint, r->'line'
     FROM jsonb_array_elements($1::jsonb) AS t(r)`,
    lines,
  );
}
