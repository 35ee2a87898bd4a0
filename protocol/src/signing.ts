import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from "node:crypto";
import * as z from "zod";
import { MAX_PAYLOAD_BYTES } from "./limits.js";
import { checkPublicKeyText, PUBLIC_KEY_PREFIX } from "./public-key-text.js";
import { err, ok, type Result } from "./result.js";
import { parseJson, validate, whenString } from "./validation.js";

/**
 * Ed25519 signatures over a document's exact bytes. The envelope carries the
 * signed document as a JSON *string*, so the verifier checks the very bytes
 * that were signed and parses them only afterwards: no re-serialisation, no
 * canonical-JSON ambiguity (the mistake that has broken many JSON signature
 * schemes).
 */
export const signedEnvelopeSchema = z
  .object({
    payload: z
      .string()
      .max(MAX_PAYLOAD_BYTES)
      .meta({ description: "The signed document, as JSON text" }),
    keyId: z.string().regex(/^[0-9a-f]{16}$/, {
      error: whenString((input) => `${JSON.stringify(input)} is not a key id (16 hex)`),
    }),
    sig: z
      .string()
      .regex(/^[A-Za-z0-9+/]{86}==$/, {
        error: "is not a base64 ed25519 signature (64 bytes)",
      })
      .meta({ description: "base64 Ed25519 signature of the UTF-8 bytes of payload" }),
  })
  .meta({ title: "Signed envelope", description: "{payload, keyId, sig}" });

export type SignedEnvelope = z.infer<typeof signedEnvelopeSchema>;

export interface SigningKeyPair {
  keyId: string;
  /** `ed25519:…`, for agent configs. */
  publicKey: string;
  /** PKCS#8 PEM, kept secret by the coordinator. */
  privateKeyPem: string;
}

function rawPublicKey(key: KeyObject): Buffer {
  const jwk = key.export({ format: "jwk" });
  if (jwk.crv !== "Ed25519" || typeof jwk.x !== "string") throw new Error("not an Ed25519 key");
  return Buffer.from(jwk.x, "base64url");
}

/** Key ids are the first 8 bytes of sha256 of the raw public key: stable, short, not secret. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash("sha256").update(rawPublicKey(publicKey)).digest("hex").slice(0, 16);
}

export function generateSigningKeyPair(): SigningKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  return {
    keyId: keyIdOf(publicKey),
    publicKey: `${PUBLIC_KEY_PREFIX}${rawPublicKey(publicKey).toString("base64url")}`,
    privateKeyPem: privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
  };
}

/** Reads `ed25519:…` text into a key, or says what is wrong with it. */
export function parsePublicKey(text: string): Result<KeyObject> {
  const body = checkPublicKeyText(text);
  if (!body.ok) return body;
  const raw = Buffer.from(body.value, "base64url");
  if (raw.length !== 32) return err(`public key must be 32 bytes, got ${raw.length}`);
  try {
    return ok(
      createPublicKey({
        key: { kty: "OKP", crv: "Ed25519", x: raw.toString("base64url") },
        format: "jwk",
      }),
    );
  } catch (error) {
    return err(`public key is not a valid Ed25519 key: ${(error as Error).message}`);
  }
}

export interface Signer {
  keyId: string;
  sign(payload: string): SignedEnvelope;
}

export function createSigner(privateKeyPem: string): Signer {
  const privateKey = createPrivateKey(privateKeyPem);
  const keyId = keyIdOf(createPublicKey(privateKey));
  return {
    keyId,
    sign(payload: string): SignedEnvelope {
      const sig = sign(null, Buffer.from(payload, "utf8"), privateKey).toString("base64");
      return { payload, keyId, sig };
    },
  };
}

/** Keys an agent trusts, by key id (usually one: the coordinator's pinned key). */
export type TrustedKeys = ReadonlyMap<string, KeyObject>;

export function trustedKeys(...keys: KeyObject[]): TrustedKeys {
  return new Map(keys.map((key) => [keyIdOf(key), key]));
}

/**
 * Checks an envelope as received off the wire and returns the signed payload
 * text. Refuses oversize input, bad JSON, a truncated or malformed envelope,
 * an unknown key and a signature that does not match the exact bytes.
 */
export function openEnvelope(
  bytes: Uint8Array | string,
  keys: TrustedKeys,
): Result<{ payload: string; keyId: string }> {
  const size = typeof bytes === "string" ? Buffer.byteLength(bytes) : bytes.byteLength;
  if (size > MAX_PAYLOAD_BYTES)
    return err(`signed envelope is ${size} bytes, above the limit of ${MAX_PAYLOAD_BYTES}`);
  const text = typeof bytes === "string" ? bytes : Buffer.from(bytes).toString("utf8");
  const json = parseJson(text, "signed envelope");
  if (!json.ok) return json;
  const envelope = validate(signedEnvelopeSchema, json.value);
  if (!envelope.ok) return err(`signed envelope: ${envelope.error}`);
  const key = keys.get(envelope.value.keyId);
  if (key === undefined) return err(`signed by unknown key ${envelope.value.keyId}`);
  const good = verify(
    null,
    Buffer.from(envelope.value.payload, "utf8"),
    key,
    Buffer.from(envelope.value.sig, "base64"),
  );
  if (!good) return err(`signature does not verify with key ${envelope.value.keyId}`);
  return ok({ payload: envelope.value.payload, keyId: envelope.value.keyId });
}
