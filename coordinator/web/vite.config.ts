import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// Built into the coordinator's dist/web, which the coordinator serves at `/`
// (http/static-files.ts). No CDN, no external URL: head offices are often
// offline from the internet.
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/",
  // Preact's automatic JSX runtime through Vite 8's built-in oxc transform (no Babel plugin).
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: fileURLToPath(new URL("../dist/web", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
  },
});
