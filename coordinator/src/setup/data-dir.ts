import { randomBytes } from "node:crypto";
import { chmod, mkdir, open, readFile, rename } from "node:fs/promises";
import { join } from "node:path";
import { createSigner, generateSigningKeyPair, type Signer } from "@tillroll/protocol";

export interface DataDir {
  dir: string;
  tokenPath: string;
  operatorToken: string;
  signer: Signer;
  /** `ed25519:…`, pinned in every agent config. */
  publicKey: string;
  /** What was created on this start, for the first-start message. */
  created: string[];
}

/** Writes a secret file: temp, fsync, mode 600, rename; never readable by others, never half written. */
async function writeSecret(path: string, text: string): Promise<void> {
  const temp = `${path}.tmp-${randomBytes(4).toString("hex")}`;
  const handle = await open(temp, "wx", 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await chmod(temp, 0o600);
  await rename(temp, path);
}

async function readIfExists(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

/**
 * Opens the coordinator's data folder, creating on first start the folder,
 * the signing key pair and the operator token (`DIR/operator-token`, just the
 * token, mode 600).
 */
export async function openDataDir(dir: string): Promise<DataDir> {
  const created: string[] = [];
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const keyPath = join(dir, "signing-key.pem");
  const pubPath = join(dir, "signing-key.pub");
  let privateKeyPem = await readIfExists(keyPath);
  let publicKey = (await readIfExists(pubPath))?.trim() ?? null;
  if (privateKeyPem === null || publicKey === null) {
    const pair = generateSigningKeyPair();
    privateKeyPem = pair.privateKeyPem;
    publicKey = pair.publicKey;
    await writeSecret(keyPath, privateKeyPem);
    await writeSecret(pubPath, `${publicKey}\n`);
    created.push(`signing key ${keyPath} (public: ${pubPath})`);
  }
  const tokenPath = join(dir, "operator-token");
  let operatorToken = (await readIfExists(tokenPath))?.trim() ?? "";
  if (operatorToken === "") {
    // Hex: a token starting with "-" would read as an option on the command line.
    operatorToken = randomBytes(24).toString("hex");
    await writeSecret(tokenPath, `${operatorToken}\n`);
    created.push(`operator token ${tokenPath}`);
  }
  return { dir, tokenPath, operatorToken, signer: createSigner(privateKeyPem), publicKey, created };
}
