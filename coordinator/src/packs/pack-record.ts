// What the coordinator knows about one published function pack, and the shape of the pack
// index (`<dir>/packs/index.json`). The index is checked on every read: a record whose fields
// disagree with its own descriptor, or two records for one version, mean the file was edited
// by hand or damaged, and serving from it could hand an agent the wrong bytes.

import {
  type FunctionPackDescriptor,
  functionNameSchema,
  functionPackDescriptorSchema,
  semverRangeSchema,
  semverSchema,
  timestampSchema,
  validate,
} from "@tillroll/protocol/pure";
import { z } from "zod";

/** Version of the index file's `data`; bumped (with a migration) on any breaking change. */
export const PACK_INDEX_SCHEMA_VERSION = 1;

/** A sha256 as the store names files: 64 lower-case hex digits. */
export const SHA256_PATTERN = /^[0-9a-f]{64}$/;

export function isSha256(value: string): boolean {
  return SHA256_PATTERN.test(value);
}

export interface PackRecord {
  /** Function name, from the descriptor. */
  name: string;
  /** Pack version, from the descriptor. */
  version: string;
  /** The descriptor's `updatableFrom`; null when absent (the pack may replace any version). */
  updatableFrom: string | null;
  /** Of the stored `.tgz`, lower-case hex; also its file name in the store. */
  sha256: string;
  /** Of the stored `.tgz`, in bytes. */
  size: number;
  /** The validated descriptor (defaults filled in). */
  descriptor: FunctionPackDescriptor;
  /** When this coordinator accepted the pack (ISO 8601 UTC). */
  publishedAt: string;
  /**
   * Set once the pack is withdrawn (`tillroll pack withdraw`): no new request may name it;
   * rows already running it are untouched and its file stays downloadable. Absent otherwise.
   */
  withdrawnAt?: string;
  /** Who withdrew it (the audit's `who`). */
  withdrawnBy?: string;
}

export interface PackIndex {
  packs: PackRecord[];
}

export const packRecordSchema = z
  .strictObject({
    name: functionNameSchema,
    version: semverSchema,
    updatableFrom: semverRangeSchema.nullable(),
    sha256: z.string().regex(SHA256_PATTERN, { error: "is not 64 lower-case hex digits" }),
    size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    descriptor: functionPackDescriptorSchema,
    publishedAt: timestampSchema,
    withdrawnAt: timestampSchema.optional(),
    withdrawnBy: z.string().max(512).optional(),
  })
  .superRefine((record, ctx) => {
    const { descriptor } = record;
    const expected = {
      name: descriptor.name,
      version: descriptor.version,
      updatableFrom: descriptor.updatableFrom ?? null,
    } as const;
    for (const key of ["name", "version", "updatableFrom"] as const) {
      if (record[key] !== expected[key]) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: `${JSON.stringify(record[key])} disagrees with the descriptor (${JSON.stringify(expected[key])})`,
        });
      }
    }
  });

export const packIndexSchema = z
  .strictObject({ packs: z.array(packRecordSchema) })
  .superRefine((index, ctx) => {
    const versions = new Set<string>();
    const hashes = new Set<string>();
    index.packs.forEach((record, i) => {
      const key = packKey(record.name, record.version);
      if (versions.has(key)) {
        ctx.addIssue({
          code: "custom",
          path: ["packs", i],
          message: `${record.name} ${record.version} is listed more than once`,
        });
      }
      if (hashes.has(record.sha256)) {
        ctx.addIssue({
          code: "custom",
          path: ["packs", i, "sha256"],
          message: `${record.sha256} is listed more than once`,
        });
      }
      versions.add(key);
      hashes.add(record.sha256);
    });
  });

/**
 * The `validate` hook of the durable index file: returns the index or throws an Error naming
 * every problem (the durable file then falls back to its backup).
 */
export function parsePackIndex(raw: unknown): PackIndex {
  const checked = validate(packIndexSchema, raw);
  if (!checked.ok) throw new Error(`pack index: ${checked.error.replaceAll("\n", "; ")}`);
  const index: PackIndex = checked.value;
  return index;
}

/** Index key of one version of one function. */
export function packKey(name: string, version: string): string {
  return `${name}@${version}`;
}

export function makePackRecord(
  descriptor: FunctionPackDescriptor,
  file: { sha256: string; size: number },
  publishedAt: Date,
): PackRecord {
  return {
    name: descriptor.name,
    version: descriptor.version,
    updatableFrom: descriptor.updatableFrom ?? null,
    sha256: file.sha256,
    size: file.size,
    descriptor,
    publishedAt: publishedAt.toISOString(),
  };
}
