import { type TestDatabase, testDatabase } from "../support/postgres.js";

/**
 * Which store the coordinators under test keep their data in. The e2e
 * suite runs once per store (test/package.json): `TILLROLL_TEST_STORE`
 * unset or `json` is the JSON data folder; `postgres` gives every
 * coordinator a fresh PostgreSQL database (`--database URL`).
 */
export type TestStore = "json" | "postgres";

export function testStore(env: NodeJS.ProcessEnv = process.env): TestStore {
  const given = env.TILLROLL_TEST_STORE;
  if (given === undefined || given === "" || given === "json") return "json";
  if (given === "postgres") return "postgres";
  throw new Error(
    `TILLROLL_TEST_STORE=${JSON.stringify(given)} is not a store: use "json" (the default) or "postgres"`,
  );
}

/**
 * A fresh database for one coordinator under `TILLROLL_TEST_STORE=postgres`,
 * else undefined (the JSON data folder).
 */
export function storeDatabase(
  env: NodeJS.ProcessEnv = process.env,
): Promise<TestDatabase | undefined> {
  return testStore(env) === "postgres" ? testDatabase() : Promise.resolve(undefined);
}

/**
 * For `describe.skipIf(jsonOnly(reason))`: true (skip) when the suite runs
 * on PostgreSQL, for a test that reads or writes the JSON data folder
 * itself. The reason is printed once per skipped block, so a skip is
 * never silent.
 */
export function jsonOnly(reason: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (testStore(env) === "json") return false;
  console.info(`JSON store only, skipped on PostgreSQL: ${reason}`);
  return true;
}
