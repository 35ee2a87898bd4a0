import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/dist/**"],
    // End-to-end tests start real brokers and processes: give them room, and
    // run files one at a time so port and CPU contention on a 2-core machine
    // cannot make them flaky.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    // One retry for end-to-end tests only: they share a 2-core machine with
    // real brokers and processes. A test that fails twice is a real failure.
    retry: 1,
  },
});
