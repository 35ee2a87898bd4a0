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

/** One project: these files, on this store, `workers` at a time, in run group `group`. */
function project(
  name: string,
  include: string[],
  options: { store: "json" | "postgres"; exclude?: string[]; workers: number; group: number },
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
      maxWorkers: options.workers,
      sequence: { groupOrder: options.group },
    },
  };
}

/**
 * The end-to-end files mostly wait (for agents, hooks, timers) now that they
 * poll the coordinator in-process rather than by spawning the CLI, so two
 * run at a time on a 2-core machine, both stores together; then the ALONE
 * files one at a time, JSON then PostgreSQL.
 */
export default defineConfig({
  test: {
    // End-to-end tests start real brokers and processes: give them room.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // One retry for end-to-end tests only: they share a 2-core machine with
    // real brokers and processes. A test that fails twice is a real failure.
    retry: 1,
    projects: [
      ...(STORES.has("json")
        ? [
            project("json", ["**/*.test.ts"], {
              store: "json",
              exclude: ALONE,
              workers: 2,
              group: 0,
            }),
            project("json-alone", ALONE, { store: "json", workers: 1, group: 1 }),
          ]
        : []),
      ...(STORES.has("postgres")
        ? [
            project("postgres", STORE_FILES, {
              store: "postgres",
              exclude: ALONE,
              workers: 2,
              group: 0,
            }),
            project(
              "postgres-alone",
              ALONE.filter((file) => STORE_FILES.includes(file)),
              { store: "postgres", workers: 1, group: 2 },
            ),
          ]
        : []),
    ],
  },
});
