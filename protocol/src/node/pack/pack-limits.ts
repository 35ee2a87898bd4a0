// The caps a pack is extracted or checked under, and the decompression budget they imply.
// Kept apart from safe-extract.ts so the coordinator's scan (and anything else) can use them
// without loading tar.

export interface ExtractLimits {
  /** Cap on the total uncompressed size of all entries, in bytes. */
  maxBytes: number;
  /** Cap on the number of entries (files and folders, including a `./` root entry). */
  maxEntries: number;
}

export type ExtractResult =
  | { ok: true; files: number; bytes: number }
  | { ok: false; reason: string };

// Tar framing around the data: per entry a header, padding to 512 and room for one pax or
// GNU long-name record; per archive the end marker and GNU tar's 10 KiB record padding.
const ENTRY_OVERHEAD = 4096;
const ARCHIVE_OVERHEAD = 64 * 1024;

/**
 * Most decompressed bytes a pack within `limits` can need. Beyond this the stream is refused
 * while decompressing: a gzip bomb (e.g. gigabytes of zeros after the end marker, or in
 * ignored metadata) is stopped after at most this much work, whatever its headers claim.
 */
export function decompressedCap(limits: ExtractLimits): number {
  return limits.maxBytes + (limits.maxEntries + 1) * ENTRY_OVERHEAD + ARCHIVE_OVERHEAD;
}
