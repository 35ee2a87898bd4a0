import { createPrivateKey, createPublicKey } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { err, generateSigningKeyPair, ok, parsePublicKey, type Result } from "@tillroll/protocol";
import { writeFileDurably } from "../files/durable-file.js";
import { DataDirError, errorText } from "./data-dir-error.js";

export const SIGNING_KEY_FILE = "signing-key.pem";
export const PUBLIC_KEY_FILE = "signing-key.pub";
/** The public half of the key that comes next: generated agent configs pin it too. */
export const NEXT_PUBLIC_KEY_FILE = "signing-key.next.pub";

const ROTATION = 'README: "Signing key: backup and rotation"';

export interface SigningKey {
  privateKeyPem: string;
  /** `ed25519:…`, derived from the private key. */
  publicKey: string;
  /** `ed25519:…` from `signing-key.next.pub`, when a rotation is under way. */
  nextPublicKey: string | null;
  /** What this start did to the key files, for the log. */
  notes: string[];
}

/** The `ed25519:…` public key of a PKCS#8 PEM private key, or why the text is not one. */
export function publicKeyOf(privateKeyPem: string, file: string): Result<string> {
  if (privateKeyPem.trim() === "") return err(`${file} is empty`);
  let key: ReturnType<typeof createPrivateKey>;
  try {
    key = createPrivateKey(privateKeyPem);
  } catch (error) {
    return err(`${file} is not a PEM private key (${errorText(error)})`);
  }
  if (key.asymmetricKeyType !== "ed25519")
    return err(`${file} holds a ${key.asymmetricKeyType ?? "unknown"} key, not an Ed25519 key`);
  const { x } = createPublicKey(key).export({ format: "jwk" });
  return typeof x === "string" ? ok(`ed25519:${x}`) : err(`${file}: no public key in it`);
}

async function readIfExists(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new DataDirError(`cannot read ${path} (${errorText(error)})`);
  }
}

/** Key files are mode 600, never replaced, except a `.pub` derived again from its private key. */
function writeKeyFile(path: string, text: string, replace: boolean): Promise<void> {
  return writeFileDurably(path, text, { mode: 0o600, existing: replace ? "replace" : "create" });
}

/**
 * The coordinator's signing key in `dir`. Key material is never replaced:
 * - no key files at all: a first start, a new pair is generated;
 * - a private key: the public key is derived from it; a missing or empty
 *   `.pub` is written from it, a `.pub` that does not match refuses the start;
 * - a `.pub` without its private key, or a private key that cannot be read
 *   or is not an Ed25519 PEM key: refuses the start (DataDirError naming the
 *   file). Agents pin the public key; a new pair would lock them all out.
 */
export async function loadSigningKey(dir: string): Promise<SigningKey> {
  const keyPath = join(dir, SIGNING_KEY_FILE);
  const pubPath = join(dir, PUBLIC_KEY_FILE);
  const notes: string[] = [];
  let pem = await readIfExists(keyPath);
  const pubText = (await readIfExists(pubPath))?.trim() ?? "";
  if (pem === null) {
    if (pubText !== "") {
      throw new DataDirError(
        `${keyPath} is missing but ${pubPath} exists: agents pin that key, so a new one would lock them out. Restore ${keyPath} from your backup (${ROTATION}); only for a new fleet, delete ${pubPath} as well`,
      );
    }
    pem = generateSigningKeyPair().privateKeyPem;
    await writeKeyFile(keyPath, pem, false);
    notes.push(`created signing key ${keyPath} (public: ${pubPath}); back it up`);
  }
  const derived = publicKeyOf(pem, keyPath);
  if (!derived.ok) {
    throw new DataDirError(
      `${derived.error}: the coordinator cannot sign without it. Restore it from your backup (${ROTATION})`,
    );
  }
  if (pubText === "") {
    await writeKeyFile(pubPath, `${derived.value}\n`, true);
    if (notes.length === 0) notes.push(`wrote ${pubPath} from the private key ${keyPath}`);
  } else if (pubText !== derived.value) {
    throw new DataDirError(
      `${pubPath} does not match ${keyPath}: restore the matching pair from your backup, or delete ${pubPath} to derive it from ${keyPath}`,
    );
  }
  return {
    privateKeyPem: pem,
    publicKey: derived.value,
    nextPublicKey: await readNextKey(dir, derived.value),
    notes,
  };
}

async function readNextKey(dir: string, current: string): Promise<string | null> {
  const path = join(dir, NEXT_PUBLIC_KEY_FILE);
  const text = (await readIfExists(path))?.trim();
  if (text === undefined) return null;
  const parsed = parsePublicKey(text);
  if (!parsed.ok)
    throw new DataDirError(`${path}: ${parsed.error} (write the line from the next key's .pub)`);
  if (text === current)
    throw new DataDirError(`${path} is the current key: it must hold the next key, or be removed`);
  return text;
}

/**
 * Generates a key pair into `dir` (created if missing) for a rotation:
 * `signing-key.pem` and `signing-key.pub`, refusing to overwrite either.
 * Touches nothing else; returns the public key.
 */
export async function generateKeyFiles(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const keyPath = join(dir, SIGNING_KEY_FILE);
  const pubPath = join(dir, PUBLIC_KEY_FILE);
  for (const path of [keyPath, pubPath]) {
    if ((await readIfExists(path)) !== null)
      throw new DataDirError(`${path} already exists: key files are never overwritten`);
  }
  const pair = generateSigningKeyPair();
  await writeKeyFile(keyPath, pair.privateKeyPem, false);
  await writeKeyFile(pubPath, `${pair.publicKey}\n`, false);
  return pair.publicKey;
}
