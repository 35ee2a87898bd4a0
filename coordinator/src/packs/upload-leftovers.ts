import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { describeError, errorCode } from "./pack-file.js";

/**
 * Empties the pack upload folder (`DATA/uploads`) at start. An upload lives
 * there only while its request runs, so whatever is there at start was left
 * by a coordinator that died mid-publish: up to a whole pack per upload.
 */
export async function removeUploadLeftovers(
  uploadDir: string,
  log: (message: string) => void,
): Promise<void> {
  let names: string[];
  try {
    names = await readdir(uploadDir);
  } catch (error) {
    if (errorCode(error) === "ENOENT") return;
    log(`cannot list ${uploadDir} for upload leftovers: ${describeError(error)}`);
    return;
  }
  for (const name of names) {
    const path = join(uploadDir, name);
    try {
      await rm(path, { recursive: true, force: true });
      log(`${path}: removed an upload left by an interrupted publish`);
    } catch (error) {
      log(`${path}: cannot remove upload leftover: ${describeError(error)}`);
    }
  }
}
