// Extracts a function pack (.tgz) into a fresh staging folder, or refuses the whole pack.
//
// Threat model: the pack may be hostile or broken. Whatever it contains, nothing may be
// written outside the staging folder, nothing but regular files and folders may be created,
// and resource use is bounded by the caller's limits. Any violation removes the staging
// folder and returns `{ ok: false, reason }`; bad input never throws.
//
// Reading: readPackArchive (read-pack.ts: our gunzip, strict tar, the header-time entry rules),
// shared with the coordinator's check at publish; here its entries go to the StagingWriter
// (synchronous, so a refusal leaves no write in flight).

import { mkdir, rm, stat } from "node:fs/promises";
import { resolve } from "node:path";
import type { ExtractLimits, ExtractResult } from "./pack-limits.js";
import { describeError, readPackArchive } from "./read-pack.js";
import { StagingWriter } from "./staging-writer.js";

export type { ExtractLimits, ExtractResult } from "./pack-limits.js";

export async function extractPackSafely(
  archivePath: string,
  stagingDir: string,
  limits: ExtractLimits,
): Promise<ExtractResult> {
  const refuse = (reason: string): ExtractResult => ({ ok: false, reason });
  const validLimit = (n: unknown) => typeof n === "number" && Number.isSafeInteger(n) && n >= 0;
  if (!validLimit(limits?.maxBytes) || !validLimit(limits?.maxEntries)) {
    return refuse("invalid limits: maxBytes and maxEntries must be non-negative integers");
  }
  try {
    if (!(await stat(archivePath)).isFile()) return refuse("archive: not a regular file");
  } catch (err) {
    return refuse(`archive: cannot read (${describeError(err)})`);
  }

  const root = resolve(stagingDir);
  try {
    // Non-recursive: an existing folder (or symlink) is refused and left alone, so a pack can
    // never be merged into, or redirected to, something that is already there.
    await mkdir(root);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === "EEXIST") return refuse(`staging folder ${JSON.stringify(root)} already exists`);
    if (code === "ENOENT")
      return refuse(`parent of staging folder ${JSON.stringify(root)} does not exist`);
    return refuse(`cannot create staging folder (${describeError(err)})`);
  }

  let result: ExtractResult;
  try {
    result = await extractInto(archivePath, root, limits);
  } catch (err) {
    result = refuse(`archive: extraction failed (${describeError(err)})`);
  }
  if (!result.ok) {
    try {
      await rm(root, { recursive: true, force: true });
    } catch (err) {
      return refuse(`${result.reason}; removing the staging folder failed (${describeError(err)})`);
    }
  }
  return result;
}

async function extractInto(
  archivePath: string,
  root: string,
  limits: ExtractLimits,
): Promise<ExtractResult> {
  const writer = new StagingWriter(root, limits.maxBytes);
  const failure = await readPackArchive(archivePath, limits, {
    place: () => null, // the writer refuses a clash when the entry arrives
    consume: (entry, plan, fail, failed) => {
      const guard = (action: () => void) => {
        if (failed()) return;
        try {
          action();
        } catch (err) {
          fail(`${plan.label}: ${describeError(err)}`);
        }
      };
      if (plan.kind === "directory") {
        guard(() => writer.mkdir(plan.segments, plan.mode));
        return void entry.resume();
      }
      guard(() => writer.openFile(plan.segments, plan.mode, plan.size));
      entry.on("data", (chunk: Buffer) => guard(() => writer.write(chunk)));
      entry.on("end", () => guard(() => writer.closeFile()));
      entry.resume();
    },
    abandon: () => writer.abandon(),
  });
  writer.abandon();
  return failure === undefined
    ? { ok: true, files: writer.files, bytes: writer.bytes }
    : { ok: false, reason: failure };
}
