import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { createSigner, type Signer } from "@tillroll/protocol";
import { writeFileDurably } from "../files/durable-file.js";
import { DataDirError, errorText } from "./data-dir-error.js";
import { ensureDataFolder } from "./data-folder.js";
import { checkDataModes } from "./file-modes.js";
import { loadSigningKey } from "./signing-key.js";

export { DataDirError } from "./data-dir-error.js";

export interface DataDir {
  dir: string;
  tokenPath: string;
  operatorToken: string;
  signer: Signer;
  /** `ed25519:…`, pinned in every agent config. */
  publicKey: string;
  /** `ed25519:…` of the next signing key (`signing-key.next.pub`), pinned beside it; or null. */
  nextPublicKey: string | null;
  /** What was created or repaired on this start, and warnings, for the start log. */
  created: string[];
}

async function readIfExists(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new DataDirError(`cannot read ${path} (${errorText(error)})`);
  }
}

/**
 * Opens the coordinator's data folder, creating on first start the folder,
 * the signing key pair and the operator token (`DIR/operator-token`, just the
 * token, mode 600). File modes are checked first (see checkDataModes); key
 * material is never replaced (see loadSigningKey). Problems that stop the
 * start are DataDirErrors naming the file.
 */
export async function openDataDir(dir: string): Promise<DataDir> {
  const created: string[] = [];
  await ensureDataFolder(dir);
  await checkDataModes(dir, (warning) => created.push(warning));
  const key = await loadSigningKey(dir);
  created.push(...key.notes);
  const tokenPath = join(dir, "operator-token");
  let operatorToken = (await readIfExists(tokenPath))?.trim() ?? "";
  if (operatorToken === "") {
    // Hex: a token starting with "-" would read as an option on the command line.
    operatorToken = randomBytes(24).toString("hex");
    await writeFileDurably(tokenPath, `${operatorToken}\n`, { mode: 0o600, existing: "replace" });
    created.push(`created operator token ${tokenPath}`);
  }
  return {
    dir,
    tokenPath,
    operatorToken,
    signer: createSigner(key.privateKeyPem),
    publicKey: key.publicKey,
    nextPublicKey: key.nextPublicKey,
    created,
  };
}
