// The store conformance suite against the JSON store, on a real tmpfs (when the tests may
// mount one) that is filled to make writes fail.

import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JsonCoordinatorStore } from "../../src/store/json/json-store.js";
import { buildPack, descriptorFor, type Workspace } from "../packs/pack-fixtures.js";
import { describeStoreConformance, type StoreHarness } from "./conformance.js";

const NOW = Date.parse("2026-11-30T09:00:00.000Z");

/** A 4 MB tmpfs at `dir`, or why not (mounting needs root). */
function mountSmallDisk(dir: string): string | null {
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", dir], { stdio: "pipe" });
    return null;
  } catch (error) {
    return `cannot mount a tmpfs (needs root): ${(error as Error).message.split("\n")[0]}`;
  }
}

async function jsonHarness(): Promise<StoreHarness> {
  const root = mkdtempSync(join(tmpdir(), "tillroll-store-"));
  const data = join(root, "data");
  const staging = join(root, "staging");
  const build = join(root, "build");
  for (const dir of [data, staging, build]) mkdirSync(dir);
  const why = mountSmallDisk(data);
  const mounted = why === null;
  const ws: Workspace = { root, data, staging, build, logs: [] };
  return {
    open: () =>
      JsonCoordinatorStore.open({
        dir: data,
        log: () => undefined,
        now: () => NOW,
        packs: { tmpDir: staging, now: () => new Date(NOW) },
      }),
    failWrites: mounted
      ? async () => {
          // Fill the disk: every write that needs a new block fails with ENOSPC.
          const filler = join(data, "filler");
          try {
            writeFileSync(filler, Buffer.alloc(8 * 1024 * 1024, 1));
          } catch {
            // ENOSPC: full, as meant
          }
          return async () => rmSync(filler, { force: true });
        }
      : null,
    ...(mounted ? {} : { whyNoFaults: why }),
    buildPack: (name, version, marker) =>
      buildPack(ws, {
        descriptor: descriptorFor(name, version),
        ...(marker === undefined ? {} : { marker }),
      }),
    cleanup: async () => {
      if (mounted) execFileSync("umount", ["-l", data]);
      rmSync(root, { recursive: true, force: true });
    },
  };
}

describeStoreConformance("JSON files", jsonHarness);
