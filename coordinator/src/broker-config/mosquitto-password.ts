import { createHash, pbkdf2Sync, randomBytes, timingSafeEqual } from "node:crypto";
import { err, ok, type Result } from "@tillroll/protocol";

/**
 * Password file lines in Mosquitto's own format, so that an external
 * Mosquitto can check the tills' broker secrets.
 *
 * The coordinator keeps only its own scrypt hash of each secret, which
 * Mosquitto cannot read; so the enrolment, the one moment the cleartext
 * secret exists, also computes the Mosquitto line and stores it.
 *
 * Format (mosquitto 2.x, apps/mosquitto_passwd/mosquitto_passwd.c
 * output_new_password and src/password_mosq.c pw__hash, checked against
 * src/security_default.c unpwd__decode_passwords):
 *
 *   username:$7$<iterations>$<base64 salt, 12 bytes>$<base64 hash, 64 bytes>
 *
 * where hash = PBKDF2-HMAC-SHA512(password bytes, salt, iterations, 64) and
 * base64 is the standard alphabet with padding, no line breaks. `$6$` (one
 * round of SHA-512 over password + salt) is the older form, read only.
 */

const SALT_BYTES = 12;
const HASH_BYTES = 64;
/**
 * mosquitto_passwd's default (PW_DEFAULT_ITERATIONS). Enough for the tills'
 * secrets, which are 256-bit random values nobody can guess; Mosquitto runs
 * the hash on every CONNECT without caching, so a reconnect storm of 10,000
 * tills pays it 10,000 times.
 */
export const MOSQUITTO_DEFAULT_ITERATIONS = 101;

export interface MosquittoHashOptions {
  iterations?: number;
  /** 12 bytes; random by default (tests fix it). */
  salt?: Buffer;
}

/** `$7$101$salt$hash`: the part after `username:`. */
export function mosquittoPasswordHash(
  password: string,
  options: MosquittoHashOptions = {},
): string {
  const iterations = options.iterations ?? MOSQUITTO_DEFAULT_ITERATIONS;
  const salt = options.salt ?? randomBytes(SALT_BYTES);
  const problem = passwordProblem(password) ?? hashOptionsProblem(iterations, salt);
  if (problem !== null) throw new RangeError(problem);
  const hash = pbkdf2Sync(Buffer.from(password, "utf8"), salt, iterations, HASH_BYTES, "sha512");
  return `$7$${iterations}$${salt.toString("base64")}$${hash.toString("base64")}`;
}

/** `username:$7$…`, one line of a Mosquitto password file (without the newline). */
export function mosquittoPasswordLine(
  username: string,
  password: string,
  options: MosquittoHashOptions = {},
): string {
  const problem = mosquittoUsernameProblem(username);
  if (problem !== null) throw new RangeError(problem);
  return `${username}:${mosquittoPasswordHash(password, options)}`;
}

/** Why `username` cannot be a Mosquitto account name, or null when it can. */
export function mosquittoUsernameProblem(username: string): string | null {
  if (username.length === 0) return "the username is empty";
  // ":" ends the name in the password file; whitespace and "#" would change
  // the meaning of an ACL "user" line; control characters break either file.
  if (/[:\s#\p{Cc}]/u.test(username)) {
    return `username ${JSON.stringify(username)} must not contain ":", "#", whitespace or control characters`;
  }
  if (Buffer.byteLength(username, "utf8") > 256)
    return `username ${JSON.stringify(username)} is longer than 256 bytes`;
  return null;
}

export interface ParsedPasswordLine {
  username: string;
  hash: string;
}

/** Splits and checks one password file line as Mosquitto would read it. */
export function parseMosquittoPasswordLine(line: string): Result<ParsedPasswordLine> {
  const colon = line.indexOf(":");
  if (colon <= 0) return err(`password line ${JSON.stringify(line)} is not "username:hash"`);
  const username = line.slice(0, colon);
  const hash = line.slice(colon + 1);
  const problem = mosquittoUsernameProblem(username);
  if (problem !== null) return err(problem);
  if (decodeHash(hash) === null) {
    return err(
      `password line for ${JSON.stringify(username)} does not hold a $7$ or $6$ Mosquitto hash`,
    );
  }
  return ok({ username, hash });
}

/** True when `password` matches the hash part of a password line ($7$ or $6$). */
export function verifyMosquittoPassword(hash: string, password: string): boolean {
  const decoded = decodeHash(hash);
  if (decoded === null) return false;
  const actual =
    decoded.iterations === null
      ? sha512Once(password, decoded.salt)
      : pbkdf2Sync(
          Buffer.from(password, "utf8"),
          decoded.salt,
          decoded.iterations,
          HASH_BYTES,
          "sha512",
        );
  return timingSafeEqual(actual, decoded.hash);
}

interface DecodedHash {
  iterations: number | null;
  salt: Buffer;
  hash: Buffer;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** A tampered file must not make one check spin for minutes. */
const MAX_ITERATIONS = 1_000_000;

function decodeHash(text: string): DecodedHash | null {
  const parts = text.split("$");
  let iterations: number | null = null;
  let salt: string | undefined;
  let hash: string | undefined;
  if (parts[0] !== "") return null;
  if (parts[1] === "7" && parts.length === 5) {
    if (!/^[1-9][0-9]{0,6}$/.test(parts[2] ?? "")) return null;
    iterations = Number(parts[2]);
    if (iterations > MAX_ITERATIONS) return null;
    [salt, hash] = [parts[3], parts[4]];
  } else if (parts[1] === "6" && parts.length === 4) {
    [salt, hash] = [parts[2], parts[3]];
  } else {
    return null;
  }
  if (salt === undefined || hash === undefined || !BASE64.test(salt) || !BASE64.test(hash)) {
    return null;
  }
  const saltBytes = Buffer.from(salt, "base64");
  const hashBytes = Buffer.from(hash, "base64");
  if (saltBytes.length !== SALT_BYTES || hashBytes.length !== HASH_BYTES) return null;
  return { iterations, salt: saltBytes, hash: hashBytes };
}

function sha512Once(password: string, salt: Buffer): Buffer {
  return createHash("sha512").update(Buffer.from(password, "utf8")).update(salt).digest();
}

function passwordProblem(password: string): string | null {
  if (password.length === 0) return "the password is empty";
  // Mosquitto hashes strlen(password) bytes: a NUL would cut it short.
  if (password.includes("\u0000")) return "the password contains NUL";
  return null;
}

function hashOptionsProblem(iterations: number, salt: Buffer): string | null {
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > MAX_ITERATIONS) {
    return `iterations ${iterations} must be an integer from 1 to ${MAX_ITERATIONS}`;
  }
  if (salt.length !== SALT_BYTES) return `the salt must be ${SALT_BYTES} bytes, not ${salt.length}`;
  return null;
}
