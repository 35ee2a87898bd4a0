import { err, ok, type Result } from "./result.js";

/** Public keys travel as `ed25519:<base64url of the 32 raw bytes>`, one line in a config file. */
export const PUBLIC_KEY_PREFIX = "ed25519:";

const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

/**
 * Checks the text of a public key without decoding it into a key (pure: the
 * agent config's schema runs in browsers too, via the web console's
 * contract): the prefix, base64url text, 32 bytes. Answers the base64url
 * part. signing.ts's parsePublicKey checks this first, then builds the key.
 */
export function checkPublicKeyText(text: string): Result<string> {
  if (!text.startsWith(PUBLIC_KEY_PREFIX))
    return err(`public key must start with "${PUBLIC_KEY_PREFIX}"`);
  const body = text.slice(PUBLIC_KEY_PREFIX.length);
  if (!BASE64URL.test(body)) return err("public key must be base64url text after the prefix");
  const bytes = Math.floor((body.replace(/=+$/, "").length * 3) / 4);
  if (bytes !== 32) return err(`public key must be 32 bytes, got ${bytes}`);
  return ok(body);
}
