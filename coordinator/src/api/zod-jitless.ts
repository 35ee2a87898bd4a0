import { z } from "zod";

/**
 * No code generated at run time in the browser: zod otherwise probes
 * `new Function` once, when it builds its first object schema (for its fast
 * path), which the console's Content-Security-Policy (`default-src 'self'`,
 * no 'unsafe-eval') refuses and the browser reports as a violation. The
 * setting is global (zod keeps it on globalThis) but is read as each schema
 * is built, so this module must run before any schema module: contract.ts
 * imports it first, and the web app's entry should import it before anything
 * else. The server never imports it (it keeps zod's fast path).
 */
z.config({ jitless: true });
