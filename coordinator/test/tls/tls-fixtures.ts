import { cp, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { loadOrCreateTls, type TlsMaterial, tlsPaths } from "../../src/tls/certificates.js";

/**
 * Real files in temporary folders. Generating a CA (RSA 3072) costs about a
 * second, so tests that change files work on copies of one generated set.
 */

export const DAY_MS = 24 * 60 * 60 * 1000;
/** A fixed start: the tests move the clock by hand. */
export const T0 = Date.parse("2026-11-30T08:00:00Z");

const folders: string[] = [];
afterAll(async () => {
  await Promise.all(folders.map((dir) => rm(dir, { recursive: true, force: true })));
});

export async function tempDir(prefix = "tillroll-tls-"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  folders.push(dir);
  return dir;
}

export function unwrapOk<T>(result: { ok: true; value: T } | { ok: false; error: string }): T {
  if (!result.ok) throw new Error(result.error);
  return result.value;
}

export async function generate(
  dir: string,
  publicHost = "coordinator.example",
  now = T0,
): Promise<TlsMaterial> {
  return unwrapOk(await loadOrCreateTls({ dir, publicHost, now: () => now }));
}

/** A copy of a generated DATA/tls, to break without touching the original. */
export async function copyOf(dir: string): Promise<string> {
  const copy = join(await tempDir(), "tls");
  await cp(dir, copy, { recursive: true });
  return copy;
}

export async function snapshot(dir: string): Promise<Record<string, string>> {
  const files = tlsPaths(dir);
  const entries = await Promise.all(
    Object.entries(files).map(async ([name, path]) => [name, await readFile(path, "utf8")]),
  );
  return Object.fromEntries(entries);
}

export async function modeOf(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}
