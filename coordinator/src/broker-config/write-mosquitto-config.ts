import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { writeFileDurably } from "../files/durable-file.js";
import type { MosquittoConfig } from "./mosquitto.js";

/**
 * Writes what generateMosquittoConfig made into a folder for Mosquitto:
 * `mosquitto.conf`, `acl` and `passwords` (mode 0600: it holds a hash of
 * every till's secret). Each file is replaced whole (temp, fsync, rename), so
 * a Mosquitto reloading on SIGHUP never reads half a file.
 */

export interface MosquittoFiles {
  conf: string;
  acl: string;
  passwords: string;
  /** Mosquitto's persistence folder (retained messages, sessions). */
  persistenceDir: string;
}

/** The file names inside the output folder. */
export function mosquittoFiles(dir: string): MosquittoFiles {
  return {
    conf: join(dir, "mosquitto.conf"),
    acl: join(dir, "acl"),
    passwords: join(dir, "passwords"),
    persistenceDir: join(dir, "data"),
  };
}

export async function writeMosquittoConfig(
  files: MosquittoFiles,
  config: MosquittoConfig,
): Promise<void> {
  await mkdir(files.persistenceDir, { recursive: true, mode: 0o700 });
  // ACL and passwords first: the conf names them, and a Mosquitto that
  // starts between two writes must find them.
  await writeFileDurably(files.passwords, config.passwords, { mode: 0o600, existing: "replace" });
  await writeFileDurably(files.acl, config.acl, { mode: 0o644, existing: "replace" });
  await writeFileDurably(files.conf, config.conf, { mode: 0o644, existing: "replace" });
}
