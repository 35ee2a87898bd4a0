import { fileURLToPath } from "node:url";
import { defineConfig, type TestProjectInlineConfiguration } from "vitest/config";
import { storeTakingFiles } from "./e2e/store-files.js";

const ROOT = fileURLToPath(new URL(".", import.meta.url));

/**
 * Files that measure time or memory, or use both cores on their own: they
 * run alone, after everything else, so no other file's load skews them.
 */
const ALONE = [
  "e2e/bench-quick.test.ts",
  "e2e/broker-hardening.test.ts",
  "e2e/demo.test.ts",
  // Two coordinators, Mosquitto, PostgreSQL, agents and 150 simulated tills; it times a takeover.
  "e2e/replica-failover.test.ts",
  "e2e/schedule-at-restart.test.ts",
  "e2e/web/console-scale.test.ts",
  "e2e/web/timing-probes.test.ts",
];

/** Every file that starts a coordinator runs again on PostgreSQL (issue 14). */
const STORE_FILES = storeTakingFiles(ROOT);

/**
 * Which stores this run covers: `TILLROLL_TEST_STORES=json,postgres` (what
 * `pnpm test` sets) runs every file on JSON and the files that start a
 * coordinator again on PostgreSQL. Unset: JSON only, so `vitest run FILE`
 * runs a file once, as before.
 */
function storesOfRun(given = process.env.TILLROLL_TEST_STORES || "json"): Set<string> {
  const stores = new Set(given.split(",").map((store) => store.trim()));
  const unknown = [...stores].filter((store) => store !== "json" && store !== "postgres");
  if (unknown.length > 0 || stores.size === 0)
    throw new Error(
      `TILLROLL_TEST_STORES=${JSON.stringify(given)}: name json and/or postgres, comma-separated`,
    );
  return stores;
}
const STORES = storesOfRun();

/**
 * How many end-to-end files run at once (TILLROLL_E2E_WORKERS, default 3).
 * They mostly wait (for agents, hooks, timers) now that they poll the
 * coordinator in-process instead of spawning the CLI: measured ~0.3-0.5 s
 * of CPU per second of wall, so 3 keep a 2-core machine busy, not swamped.
 */
function workers(given = process.env.TILLROLL_E2E_WORKERS || "3"): number {
  const count = Number(given);
  if (!Number.isInteger(count) || count < 1)
    throw new Error(
      `TILLROLL_E2E_WORKERS=${JSON.stringify(given)}: a whole number of files, 1 or more`,
    );
  return count;
}

/**
 * One project: these files on this store, in run group `group` (groups run
 * one after another; the projects of a group share the workers); `alone`:
 * one file at a time.
 */
function project(
  name: string,
  include: string[],
  options: { store: "json" | "postgres"; exclude?: string[]; alone?: boolean; group: number },
): TestProjectInlineConfiguration {
  return {
    extends: true,
    test: {
      name,
      include,
      exclude: ["**/node_modules/**", "**/dist/**", ...(options.exclude ?? [])],
      env: { TILLROLL_TEST_STORE: options.store },
      // One PostgreSQL server for the whole run (CI's, or one this run starts); a database per coordinator.
      ...(options.store === "postgres"
        ? { globalSetup: ["./support/postgres-global-setup.ts"] }
        : {}),
      // Not maxWorkers here: a project's own maxWorkers made vitest 4.1 run its files one at a time.
      fileParallelism: options.alone !== true,
      sequence: { groupOrder: options.group },
    },
  };
}

/**
 * Group 0: every file but the ALONE ones, on each store of the run, sharing
 * the workers; group 1: the ALONE files on JSON, one at a time; group 2: the
 * same on PostgreSQL.
 */
export default defineConfig({
  test: {
    // End-to-end tests start real brokers and processes: give them room.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // One retry for end-to-end tests only: they share a 2-core machine with
    // real brokers and processes. A test that fails twice is a real failure.
    retry: 1,
    maxWorkers: workers(),
    projects: [
      ...(STORES.has("json")
        ? [
            project("json", ["**/*.test.ts"], {
              store: "json",
              exclude: ALONE,
              group: 0,
            }),
            project("json-alone", ALONE, { store: "json", alone: true, group: 1 }),
          ]
        : []),
      ...(STORES.has("postgres")
        ? [
            project("postgres", STORE_FILES, {
              store: "postgres",
              exclude: ALONE,
              group: 0,
            }),
            project(
              "postgres-alone",
              ALONE.filter((file) => STORE_FILES.includes(file)),
              { store: "postgres", alone: true, group: 2 },
            ),
          ]
        : []),
    ],
  },
});
