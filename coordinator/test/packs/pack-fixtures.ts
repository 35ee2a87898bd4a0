// Test fixtures: a throw-away data folder per test and real .tgz packs built with node-tar
// from folders holding a descriptor and `#!/bin/sh` scripts.

import { createHash, randomBytes } from "node:crypto";
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { FunctionPackDescriptorInput } from "@tillroll/protocol";
import * as tar from "tar";
import { afterEach, beforeEach } from "vitest";
import { PackStore, type PackStoreOptions } from "../../src/packs/pack-store.js";

export interface Workspace {
  /** Root of everything a test writes. */
  root: string;
  /** The coordinator data folder given to PackStore (`<data>/packs/` is the store). */
  data: string;
  /** Parent of the staging folders; must be empty after every publish. */
  staging: string;
  /** Where tests build their packs. */
  build: string;
  /** Everything the store logged. */
  logs: string[];
}

/** Registers beforeEach/afterEach hooks; read the fields inside tests only. */
export function useWorkspace(): Workspace {
  const ws: Workspace = { root: "", data: "", staging: "", build: "", logs: [] };
  beforeEach(() => {
    ws.root = mkdtempSync(join(tmpdir(), "tillroll-packs-"));
    ws.data = join(ws.root, "data");
    ws.staging = join(ws.root, "staging");
    ws.build = join(ws.root, "build");
    ws.logs = [];
    for (const dir of [ws.data, ws.staging, ws.build]) mkdirSync(dir);
  });
  afterEach(() => {
    rmSync(ws.root, { recursive: true, force: true });
  });
  return ws;
}

export const FIXED_NOW = new Date("2026-11-21T09:30:00.000Z");

export function openStore(ws: Workspace, options: Partial<PackStoreOptions> = {}) {
  return PackStore.open({
    dir: ws.data,
    tmpDir: ws.staging,
    now: () => FIXED_NOW,
    log: (msg) => ws.logs.push(msg),
    ...options,
  });
}

export function descriptorFor(
  name = "pos-client",
  version = "1.1.0",
  extra: Partial<FunctionPackDescriptorInput> = {},
): FunctionPackDescriptorInput {
  return {
    name,
    version,
    updatableFrom: ">=1.0.0 <1.1.0",
    service: { start: "bin/start", stop: "bin/stop", health: { command: "bin/health" } },
    ...extra,
  };
}

export interface PackSpec {
  /** Written as JSON; a string is written verbatim; null leaves the file out. */
  descriptor?: unknown;
  /** Extra files (path → content), e.g. random payload to make a pack large. */
  files?: Record<string, string | Buffer>;
  /** Distinguishes two builds of the same descriptor. */
  marker?: string;
}

let counter = 0;

/** Builds a pack with node-tar and returns its path. */
export async function buildPack(ws: Workspace, spec: PackSpec = {}): Promise<string> {
  counter += 1;
  const src = join(ws.build, `src-${counter}`);
  mkdirSync(join(src, "bin"), { recursive: true });
  for (const script of ["start", "stop", "health"]) {
    writeFileSync(join(src, "bin", script), `#!/bin/sh\necho ${script}\n`);
    chmodSync(join(src, "bin", script), 0o755);
  }
  const descriptor = spec.descriptor === undefined ? descriptorFor() : spec.descriptor;
  if (descriptor !== null) {
    const text = typeof descriptor === "string" ? descriptor : JSON.stringify(descriptor, null, 2);
    writeFileSync(join(src, "function-pack-descriptor.json"), text);
  }
  writeFileSync(join(src, "VERSION-NOTE"), spec.marker ?? "build");
  for (const [path, content] of Object.entries(spec.files ?? {})) {
    mkdirSync(dirname(join(src, path)), { recursive: true });
    writeFileSync(join(src, path), content);
  }
  const file = join(ws.build, `pack-${counter}.tgz`);
  await tar.c({ gzip: true, cwd: src, portable: true, file }, ["."]);
  return file;
}

/** A pack large enough (incompressible payload) to span many network chunks. */
export function bigPayload(bytes = 600_000): Record<string, Buffer> {
  return { "lib/payload.bin": randomBytes(bytes) };
}

export function sha256Of(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

export function fileSha256(file: string): string {
  return sha256Of(readFileSync(file));
}

/** Names and contents of everything in a folder (recursively), to prove nothing changed. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    out[path.slice(dir.length + 1)] = entry.isFile() ? fileSha256(path) : "dir";
  }
  return out;
}
