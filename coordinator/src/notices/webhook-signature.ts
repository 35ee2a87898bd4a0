import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * The webhook signature: `sha256=<hex HMAC-SHA256(secret, exact body bytes)>`
 * in the `X-Tillroll-Signature` header. Pure, and exported for receivers:
 * verify over the raw bytes received, before parsing them (a re-encoded
 * JSON body may differ by a space and no longer match).
 */

export const SIGNATURE_HEADER = "x-tillroll-signature";
export const EVENT_HEADER = "x-tillroll-event";
export const DELIVERY_HEADER = "x-tillroll-delivery";

const PREFIX = "sha256=";

/** The header value for `body` signed with `secret`. */
export function signWebhookBody(secret: string, body: string | Uint8Array): string {
  return `${PREFIX}${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/**
 * Whether `header` is the signature of `body` under `secret`; compared in
 * constant time, and false (not an exception) for a missing or malformed
 * header.
 */
export function verifyWebhookSignature(
  secret: string,
  body: string | Uint8Array,
  header: string | readonly string[] | undefined,
): boolean {
  if (typeof header !== "string" || !header.startsWith(PREFIX)) return false;
  const given = Buffer.from(header.slice(PREFIX.length), "hex");
  const expected = Buffer.from(signWebhookBody(secret, body).slice(PREFIX.length), "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}
