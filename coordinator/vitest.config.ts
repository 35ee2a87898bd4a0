import { defineConfig } from "vitest/config";

// The web console (web/) is its own package, built by Vite and tested in a
// real browser from test/e2e/web: the coordinator's unit run leaves it out.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/dist/**", "web/**"],
    // A coordinator or broker started in a test starts the broker's worker
    // thread, which loads aedes and compiles the broker's TS sources (tsx):
    // 2 s and more on a loaded two-core machine, on top of the test itself.
    testTimeout: 15_000,
    hookTimeout: 30_000,
    // Two files at once: on a two-core machine vitest's default is one, and
    // most files wait on a broker, PostgreSQL or a child process (measured on
    // 2 cores: 493 s with one, 283 s with two, the same tests green).
    maxWorkers: 2,
  },
});
