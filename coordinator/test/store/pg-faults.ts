// Write faults for the PostgreSQL store's tests: a trigger on every table that raises.

import pg from "pg";

/** Runs `sql` on the database at `url` on a connection of its own. */
export async function runSql(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Makes every INSERT, UPDATE and DELETE on the store's tables fail until restored. */
export async function failEveryWrite(url: string): Promise<() => Promise<void>> {
  await runSql(
    url,
    `CREATE FUNCTION tillroll_test_fail() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'writes fail (test fault)'; END $$;
     DO $$ DECLARE t text;
     BEGIN
       FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
         EXECUTE format('CREATE TRIGGER tillroll_test_fail BEFORE INSERT OR UPDATE OR DELETE ON %I
                         FOR EACH STATEMENT EXECUTE FUNCTION tillroll_test_fail()', t);
       END LOOP;
     END $$;`,
  );
  return () => runSql(url, "DROP FUNCTION tillroll_test_fail() CASCADE");
}
