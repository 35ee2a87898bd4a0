import { defineConfig } from "vitest/config";

// The web console (web/) is its own package, built by Vite and tested in a
// real browser from test/e2e/web: the coordinator's unit run leaves it out.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/dist/**", "web/**"],
  },
});
