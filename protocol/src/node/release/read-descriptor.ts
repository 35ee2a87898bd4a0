import { lstat, readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  DESCRIPTOR_FILE,
  type FunctionPackDescriptor,
  functionPackDescriptorSchema,
} from "../../descriptor.js";
import { err, ok, type Result } from "../../result.js";
import { parseJson, validate } from "../../validation.js";

/** A descriptor is a few hundred bytes; reading a huge one would only fill memory. */
export const MAX_DESCRIPTOR_BYTES = 1024 * 1024;

/**
 * Reads and validates `function-pack-descriptor.json` at the root of an
 * extracted pack. The agent (before installing) and the coordinator (before
 * publishing) both call this, so a pack refused on a till is refused at
 * publishing first.
 */
export async function readDescriptor(releaseDir: string): Promise<Result<FunctionPackDescriptor>> {
  const file = join(releaseDir, DESCRIPTOR_FILE);
  let text: string;
  try {
    const st = await lstat(file);
    if (!st.isFile()) return err(`${DESCRIPTOR_FILE} at the pack root is not a regular file`);
    if (st.size > MAX_DESCRIPTOR_BYTES) {
      return err(`${DESCRIPTOR_FILE} is larger than ${MAX_DESCRIPTOR_BYTES} bytes`);
    }
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    return err(
      code === "ENOENT"
        ? `pack has no ${DESCRIPTOR_FILE} at its root`
        : `cannot read ${DESCRIPTOR_FILE}: ${code}`,
    );
  }
  const raw = parseJson(text, DESCRIPTOR_FILE);
  if (!raw.ok) return raw;
  const checked = validate(functionPackDescriptorSchema, raw.value);
  if (!checked.ok) return err(`${DESCRIPTOR_FILE}: ${checked.error.replaceAll("\n", "; ")}`);
  return ok(checked.value);
}

/** The descriptor must be for the function and version the coordinator asked for. */
export function descriptorMismatch(
  descriptor: FunctionPackDescriptor,
  expected: { name: string; version: string },
): string | null {
  if (descriptor.name !== expected.name) {
    return `pack is for function ${JSON.stringify(descriptor.name)}, expected ${JSON.stringify(expected.name)}`;
  }
  if (descriptor.version !== expected.version) {
    return `pack is version ${descriptor.version}, expected ${expected.version}`;
  }
  return null;
}
