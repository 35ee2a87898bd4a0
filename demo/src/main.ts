#!/usr/bin/env node
// `pnpm demo` (root package.json): the README's first command. Lives outside the coordinator's
// product code because it starts a coordinator and spawns real agent processes.
import { runDemo } from "./demo.js";

runDemo().catch((error: Error) => {
  process.stderr.write(`tillroll demo: ${error.stack ?? error.message}\n`);
  process.exitCode = 1;
});
