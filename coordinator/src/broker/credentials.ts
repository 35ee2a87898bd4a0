import { randomBytes, scrypt, scryptSync, timingSafeEqual } from "node:crypto";

/**
 * Broker credentials: every till's agent and POS gets a secret the coordinator
 * generated; the coordinator stores only a salted scrypt hash of it.
 *
 * Encoding: `scrypt$N$r$p$salt$hash`, salt and hash in base64url. The cost
 * parameters travel with the hash, so they can be raised later without
 * invalidating the secrets already issued.
 *
 * Cost. The secrets are machine-generated, 32 random bytes (256 bits): nobody
 * can guess them, however fast the hash. The hash only has to be one-way so
 * that a leaked fleet store does not hand out working credentials. What the
 * cost does hurt is a reconnect storm: after a coordinator restart every till
 * authenticates at once, and at N = 2^14 (35 ms a hash on a small server)
 * 10,000 tills would keep the CPU busy for minutes. The default N = 2^10
 * (~2 ms, 1 MiB of memory) keeps such a storm to seconds. Pass a larger
 * `cost` for secrets people choose themselves.
 */

export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  N: number;
  /** Block size. */
  r: number;
  /** Parallelisation. */
  p: number;
}

export const DEFAULT_SCRYPT_PARAMS: Readonly<ScryptParams> = { N: 1024, r: 8, p: 1 };

/** Random bytes in a generated secret (encoded as 43 base64url characters). */
export const SECRET_BYTES = 32;

const SALT_BYTES = 16;
const KEY_BYTES = 32;
/**
 * Bounds for parameters read back from a stored hash: a tampered or corrupt
 * store must not make one login allocate gigabytes or spin for minutes.
 */
const MAX_N = 2 ** 20;
const MAX_R = 32;
const MAX_P = 16;
/** scrypt needs about 128 * N * r bytes. */
const MAX_MEMORY_BYTES = 64 * 1024 * 1024;
const MIN_KEY_BYTES = 16;
const MAX_KEY_BYTES = 64;

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** A url-safe random secret (base64url, no padding) of SECRET_BYTES random bytes. */
export function generateSecret(): string {
  return randomBytes(SECRET_BYTES).toString("base64url");
}

function encode(params: ScryptParams, salt: Buffer, hash: Buffer): string {
  return [
    "scrypt",
    params.N,
    params.r,
    params.p,
    salt.toString("base64url"),
    hash.toString("base64url"),
  ].join("$");
}

/** Hashes a secret with a fresh random salt; returns `scrypt$N$r$p$salt$hash`. */
export function hashSecret(secret: string, params: ScryptParams = DEFAULT_SCRYPT_PARAMS): string {
  checkParams(params);
  const salt = randomBytes(SALT_BYTES);
  return encode(params, salt, scryptSync(secret, salt, KEY_BYTES, scryptOptions(params)));
}

/** hashSecret on libuv's thread pool: enrolling thousands of tills must not stall the broker. */
export function hashSecretAsync(
  secret: string,
  params: ScryptParams = DEFAULT_SCRYPT_PARAMS,
): Promise<string> {
  checkParams(params);
  const salt = randomBytes(SALT_BYTES);
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, KEY_BYTES, scryptOptions(params), (error, hash) => {
      if (error) reject(error);
      else resolve(encode(params, salt, hash));
    });
  });
}

/**
 * True when `secret` hashes to `encoded`. The comparison is constant-time
 * (timingSafeEqual); a malformed `encoded` is simply false.
 * Blocks the event loop for one hash; prefer verifySecretAsync on a server.
 */
export function verifySecret(secret: string, encoded: string): boolean {
  const parsed = parseEncoded(encoded);
  if (parsed === null) return false;
  const actual = scryptSync(secret, parsed.salt, parsed.hash.length, scryptOptions(parsed.params));
  return timingSafeEqual(actual, parsed.hash);
}

/** verifySecret on libuv's thread pool, so a burst of logins does not stall the broker. */
export function verifySecretAsync(secret: string, encoded: string): Promise<boolean> {
  const parsed = parseEncoded(encoded);
  if (parsed === null) return Promise.resolve(false);
  return new Promise((resolve, reject) => {
    scrypt(secret, parsed.salt, parsed.hash.length, scryptOptions(parsed.params), (error, key) => {
      if (error) reject(error);
      else resolve(timingSafeEqual(key, parsed.hash));
    });
  });
}

interface ParsedHash {
  params: ScryptParams;
  salt: Buffer;
  hash: Buffer;
}

function parseEncoded(encoded: string): ParsedHash | null {
  const parts = encoded.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return null;
  const [, n, r, p, salt = "", hash = ""] = parts;
  const params = { N: toInt(n), r: toInt(r), p: toInt(p) };
  if (!paramsValid(params)) return null;
  if (!BASE64URL.test(salt) || !BASE64URL.test(hash)) return null;
  const hashBytes = Buffer.from(hash, "base64url");
  if (hashBytes.length < MIN_KEY_BYTES || hashBytes.length > MAX_KEY_BYTES) return null;
  return { params, salt: Buffer.from(salt, "base64url"), hash: hashBytes };
}

function toInt(text: string | undefined): number {
  return text !== undefined && /^[1-9][0-9]{0,9}$/.test(text) ? Number(text) : Number.NaN;
}

function paramsValid({ N, r, p }: ScryptParams): boolean {
  return (
    Number.isInteger(N) &&
    N >= 2 &&
    N <= MAX_N &&
    (N & (N - 1)) === 0 &&
    Number.isInteger(r) &&
    r >= 1 &&
    r <= MAX_R &&
    Number.isInteger(p) &&
    p >= 1 &&
    p <= MAX_P &&
    128 * N * r <= MAX_MEMORY_BYTES
  );
}

function checkParams(params: ScryptParams): void {
  if (!paramsValid(params)) {
    throw new RangeError(
      `scrypt parameters ${JSON.stringify(params)} are invalid (N a power of two 2..2^20, r 1..${MAX_R}, p 1..${MAX_P}, 128 * N * r at most 64 MiB)`,
    );
  }
}

function scryptOptions(params: ScryptParams): { N: number; r: number; p: number; maxmem: number } {
  // Node's default maxmem (32 MiB) would refuse the upper end of the range we accept.
  return { ...params, maxmem: 128 * params.N * params.r + 1024 * 1024 };
}
