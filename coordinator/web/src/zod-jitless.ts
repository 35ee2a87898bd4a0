import { config } from "zod";

/**
 * Imported first by main.tsx, before any module that holds or uses the
 * contract's zod schemas. Without jitless, zod probes `new Function` once,
 * and under the console's CSP (script-src falls back to 'self') Chromium
 * logs that probe as a violation on the console even though zod catches it.
 */
config({ jitless: true });
