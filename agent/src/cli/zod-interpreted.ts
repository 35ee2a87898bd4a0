import * as z from "zod";

/**
 * zod builds no parser code at run time in the agent: by default it
 * generates a JavaScript function (`new Function`) for each object schema
 * the first time it parses with it, a fast path for V8's optimising
 * compiler. The agent runs under `--jitless` (bin/tillroll-agent-launcher),
 * where that code is interpreted like the rest, so it only adds its source,
 * bytecode and a script per object schema to the resident heap for the
 * agent's life (test/bench/README.md, footprint).
 *
 * zod reads the setting as each schema is built, and the protocol's schemas
 * are built when their modules load: main.ts imports this module first,
 * before anything that imports @tillroll/protocol.
 */
z.config({ jitless: true });
