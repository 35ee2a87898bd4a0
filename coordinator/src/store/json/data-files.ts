// Reading the JSON files of the data folder at start: a folder or file that
// cannot be used stops the start with a DataDirError naming it (and, where
// its content is bad, telling the operator to restore it from a backup).

import { mkdir, readdir } from "node:fs/promises";
import { err, type Result, validate } from "@tillroll/protocol";
import type { z } from "zod";
import { readTextIfExists } from "../../files/durable-file.js";
import { DataDirError, errorText } from "../../setup/data-dir-error.js";

/** Creates `dir` (mode 700) unless it exists, and answers the names in it. */
export async function openRecordFolder(dir: string): Promise<string[]> {
  await mkdir(dir, { mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "EEXIST")
      throw new DataDirError(`cannot create the folder ${dir} (${errorText(error)})`);
  });
  try {
    return await readdir(dir);
  } catch (error) {
    throw new DataDirError(`cannot read the folder ${dir} (${errorText(error)})`);
  }
}

/** The text of the file at `path`, null when there is none. */
export async function readDataFile(path: string): Promise<string | null> {
  try {
    return await readTextIfExists(path);
  } catch (error) {
    throw new DataDirError(`cannot read ${path} (${errorText(error)})`);
  }
}

/** The file's JSON text parsed by `schema`; `what` names the content in the refusal. */
export function decodeDataFile<S extends z.ZodType>(
  schema: S,
  text: string,
  path: string,
  what: string,
): z.output<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new DataDirError(
      `${path} is not JSON (${errorText(error)}); restore it from your backup`,
    );
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success)
    throw new DataDirError(
      `${path} is not a usable ${what} (${parsed.error.issues[0]?.message ?? "bad shape"}); restore it from your backup`,
    );
  return parsed.data;
}

/** A file's JSON text checked by `schema` (pure: the file codecs' first step), or why not. */
export function parseJsonFile<S extends z.ZodType>(
  schema: S,
  content: string,
): Result<z.output<S>> {
  let raw: unknown;
  try {
    raw = JSON.parse(content);
  } catch (error) {
    return err(`not JSON (${(error as Error).message})`);
  }
  const parsed = validate(schema, raw);
  return parsed.ok ? parsed : err(parsed.error.replaceAll("\n", "; "));
}
