import { readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  DESCRIPTOR_FILE,
  err,
  type FunctionPackDescriptor,
  functionPackDescriptorSchema,
  ok,
  type Result,
  validate,
} from "@tillroll/protocol";

/** Reads and validates `function-pack-descriptor.json` at the root of an extracted pack. */
export async function readDescriptor(releaseDir: string): Promise<Result<FunctionPackDescriptor>> {
  let text: string;
  try {
    text = await readFile(join(releaseDir, DESCRIPTOR_FILE), "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return err(
      code === "ENOENT"
        ? `pack has no ${DESCRIPTOR_FILE} at its root`
        : `cannot read ${DESCRIPTOR_FILE}: ${code}`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return err(`${DESCRIPTOR_FILE}: invalid JSON (${(error as Error).message})`);
  }
  const checked = validate(functionPackDescriptorSchema, raw);
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
