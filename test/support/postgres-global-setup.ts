import { startPostgres } from "./postgres.js";

/**
 * Vitest globalSetup of the PostgreSQL projects: one server for the whole
 * run. CI's when TILLROLL_TEST_PG_URL is set; else a throw-away cluster
 * started here, in the main process, and named to the test files through
 * TILLROLL_TEST_PG_URL (each would otherwise start its own). It stops when
 * this process ends (postgres.ts).
 */
export default async function setup(): Promise<void> {
  const server = await startPostgres();
  process.env.TILLROLL_TEST_PG_URL = server.url;
}
