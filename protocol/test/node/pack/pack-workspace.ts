// Test fixture: a throw-away parent folder for the staging folder, with a sentinel file and
// an empty "victim" folder, so tests can prove a refused pack wrote nothing outside.

import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach } from "vitest";
import type { ExtractLimits } from "../../../src/node/pack/safe-extract.js";

export const LIMITS: ExtractLimits = { maxBytes: 64 * 1024, maxEntries: 50 };
export const SENTINEL_TEXT = "original sentinel";

export interface PackWorkspace {
  /** Parent of the staging folder; holds sentinel.txt and victim/. */
  work: string;
  staging: string;
  archive: string;
}

/** Registers beforeEach/afterEach hooks; read the fields inside tests only. */
export function usePackWorkspace(): PackWorkspace {
  const ws: PackWorkspace = { work: "", staging: "", archive: "" };
  beforeEach(() => {
    ws.work = mkdtempSync(join(tmpdir(), "tillroll-pack-"));
    ws.staging = join(ws.work, "staging");
    ws.archive = join(ws.work, "pack.tgz");
    mkdirSync(join(ws.work, "victim"));
    writeFileSync(join(ws.work, "sentinel.txt"), SENTINEL_TEXT);
  });
  afterEach(() => {
    rmSync(ws.work, { recursive: true, force: true });
  });
  return ws;
}

/** Every path under `root` with its size, so any new, removed or grown file shows up. */
export function tree(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: "utf8" })
    .map((p) => {
      const st = statSync(join(root, p), { throwIfNoEntry: false });
      return `${p}:${st?.isDirectory() ? "dir" : (st?.size ?? "dangling")}`;
    })
    .sort();
}
