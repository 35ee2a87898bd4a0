import { mkdir, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { formatError } from "@tillroll/protocol";
import { z } from "zod";
import { writeFileDurably } from "../files/durable-file.js";
import {
  type OperatorPersistence,
  type OperatorRecord,
  operatorRecordSchema,
} from "./operator-record.js";

const fileSchema = z.object({ version: z.literal(1), operators: z.array(operatorRecordSchema) });

/**
 * Operators as one JSON file (e.g. `DATA/operators.json`), mode 0600: it holds
 * only hashes, but they are still the keys to the fleet. Every save is
 * atomic and durable: a temp file written and fsync'd, renamed over the old
 * one, then the folder fsync'd so the rename itself survives a power cut.
 */
export class OperatorsFile implements OperatorPersistence {
  constructor(private readonly path: string) {}

  async load(): Promise<OperatorRecord[]> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new Error(`${this.path}: not JSON (${(error as Error).message})`);
    }
    const parsed = fileSchema.safeParse(json);
    if (!parsed.success) throw new Error(`${this.path}: ${formatError(parsed.error)}`);
    return parsed.data.operators;
  }

  async save(records: readonly OperatorRecord[]): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const text = `${JSON.stringify({ version: 1, operators: records }, null, 2)}\n`;
    await writeFileDurably(this.path, text, { mode: 0o600, existing: "replace" });
  }
}
