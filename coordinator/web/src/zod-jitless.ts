import { z } from "zod";

/**
 * Zod compiles object parsers with `new Function` when it can; to find out it
 * calls `Function("")`, which the coordinator's CSP (`default-src 'self'`, no
 * 'unsafe-eval') refuses, and Chromium logs the refusal as a console error on
 * every page. The console never needs eval: tell zod not to try. Imported
 * first by main.tsx, before any schema parses.
 */
z.config({ jitless: true });
