/**
 * Longer input is refused before hashing: no reason to spend scrypt on a
 * megabyte "password". Apart from secrets.ts (node:crypto) so the login's
 * request schema, and the web console's contract with it, stay pure.
 */
export const MAX_PASSWORD_LENGTH = 1024;
