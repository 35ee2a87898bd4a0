import { createHash, randomBytes, randomInt, scrypt, timingSafeEqual } from "node:crypto";
import { MAX_PASSWORD_LENGTH } from "./password-limits.js";

/**
 * The two secrets an operator gets, and how the coordinator keeps them.
 *
 * API tokens are 32 random bytes: nobody can guess them, so a fast one-way
 * hash (sha256) is enough to make a leaked operators file useless, and it
 * lets every request be checked without slowing the API. The `trk_` prefix
 * makes a leaked token easy to spot in logs and by secret scanners.
 *
 * Passwords are typed by people in the web console, so a stolen hash must be
 * expensive to attack: scrypt, memory-hard, with its parameters stored in the
 * encoded hash (`scrypt$N$r$p$salt$hash`) so they can be raised later without
 * invalidating passwords already issued (see `passwordNeedsRehash`).
 */

export const API_TOKEN_PREFIX = "trk_";
const TOKEN_BYTES = 32;
const TOKEN_HASH_PREFIX = "sha256:";

export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  readonly N: number;
  /** Block size. */
  readonly r: number;
  /** Parallelisation (run one after the other by Node: costs time, not memory). */
  readonly p: number;
}

/**
 * OWASP's scrypt recommendation in its 32 MiB form (N=2^15, r=8, p=3, as
 * strong as N=2^17, r=8, p=1 but a quarter of the memory per login): about
 * half a second on a small server, so logins stay rare, and the login limiter
 * bounds how many run at once.
 */
export const PASSWORD_SCRYPT_PARAMS: Readonly<ScryptParams> = { N: 2 ** 15, r: 8, p: 3 };

const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** Bounds for parameters read back from a stored hash: a corrupt file must not make one login eat gigabytes. */
const MAX_N = 2 ** 20;
const MAX_R = 32;
const MAX_P = 16;
const MAX_MEMORY_BYTES = 256 * 1024 * 1024;

export { MAX_PASSWORD_LENGTH } from "./password-limits.js";

/** A new API token: `trk_` and 43 base64url characters (256 random bits). */
export function generateApiToken(): string {
  return `${API_TOKEN_PREFIX}${randomBytes(TOKEN_BYTES).toString("base64url")}`;
}

/** What is stored for a token: `sha256:<hex>`. */
export function hashApiToken(token: string): string {
  return `${TOKEN_HASH_PREFIX}${createHash("sha256").update(token, "utf8").digest("hex")}`;
}

/** Whether `token` is the one `storedHash` was made from; constant time in the token's content. */
export function apiTokenMatches(token: string, storedHash: string): boolean {
  const given = Buffer.from(hashApiToken(token));
  const stored = Buffer.from(storedHash);
  return given.length === stored.length && timingSafeEqual(given, stored);
}

/**
 * Without 0/O, 1/l/I and other look-alikes: the password is read off a
 * terminal once and typed by hand.
 */
const PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const PASSWORD_GROUPS = 4;
const PASSWORD_GROUP_LENGTH = 6;

/** A generated password: four dash-separated groups of six (about 139 random bits). */
export function generatePassword(): string {
  const groups: string[] = [];
  for (let g = 0; g < PASSWORD_GROUPS; g++) {
    let group = "";
    for (let i = 0; i < PASSWORD_GROUP_LENGTH; i++)
      group += PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)];
    groups.push(group);
  }
  return groups.join("-");
}

function checkParams(params: ScryptParams): void {
  const { N, r, p } = params;
  const powerOfTwo = Number.isInteger(N) && N > 1 && (N & (N - 1)) === 0;
  if (!powerOfTwo || N > MAX_N) throw new Error(`scrypt N must be a power of two up to ${MAX_N}`);
  if (!Number.isInteger(r) || r < 1 || r > MAX_R) throw new Error(`scrypt r must be 1-${MAX_R}`);
  if (!Number.isInteger(p) || p < 1 || p > MAX_P) throw new Error(`scrypt p must be 1-${MAX_P}`);
  if (memoryOf(params) > MAX_MEMORY_BYTES)
    throw new Error("scrypt parameters need too much memory");
}

/** scrypt needs about 128 * N * r bytes. */
function memoryOf(params: ScryptParams): number {
  return 128 * params.N * params.r;
}

/** scrypt on libuv's thread pool: a login must not stall the broker or the API for half a second. */
function scryptAsync(password: string, salt: Buffer, keyLength: number, params: ScryptParams) {
  return new Promise<Buffer>((resolve, reject) => {
    const options = { N: params.N, r: params.r, p: params.p, maxmem: 2 * memoryOf(params) };
    scrypt(password.normalize("NFC"), salt, keyLength, options, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/** `scrypt$N$r$p$salt$hash` with a fresh random salt. */
export async function hashPassword(
  password: string,
  params: ScryptParams = PASSWORD_SCRYPT_PARAMS,
): Promise<string> {
  checkParams(params);
  if (password.length > MAX_PASSWORD_LENGTH)
    throw new Error(`password is longer than ${MAX_PASSWORD_LENGTH} characters`);
  const salt = randomBytes(SALT_BYTES);
  const key = await scryptAsync(password, salt, KEY_BYTES, params);
  return [
    "scrypt",
    params.N,
    params.r,
    params.p,
    salt.toString("base64url"),
    key.toString("base64url"),
  ].join("$");
}

interface DecodedHash {
  params: ScryptParams;
  salt: Buffer;
  key: Buffer;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

function decode(encoded: string): DecodedHash | undefined {
  const parts = encoded.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return undefined;
  const [, n, r, p, salt, key] = parts as [string, string, string, string, string, string];
  if (!/^\d+$/.test(n) || !/^\d+$/.test(r) || !/^\d+$/.test(p)) return undefined;
  if (!BASE64URL.test(salt) || !BASE64URL.test(key)) return undefined;
  const params = { N: Number(n), r: Number(r), p: Number(p) };
  try {
    checkParams(params);
  } catch {
    return undefined;
  }
  const keyBytes = Buffer.from(key, "base64url");
  if (keyBytes.length < 16 || keyBytes.length > 64) return undefined;
  return { params, salt: Buffer.from(salt, "base64url"), key: keyBytes };
}

/** Whether `password` matches; false (never an exception) for a malformed or out-of-bounds hash. */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  if (password.length > MAX_PASSWORD_LENGTH) return false;
  const decoded = decode(encoded);
  if (decoded === undefined) return false;
  const key = await scryptAsync(password, decoded.salt, decoded.key.length, decoded.params);
  return timingSafeEqual(key, decoded.key);
}

/** True when a stored hash was made with other parameters than `params`: rehash it at the next good login. */
export function passwordNeedsRehash(
  encoded: string,
  params: ScryptParams = PASSWORD_SCRYPT_PARAMS,
): boolean {
  const decoded = decode(encoded);
  if (decoded === undefined) return true;
  const { N, r, p } = decoded.params;
  return N !== params.N || r !== params.r || p !== params.p;
}
