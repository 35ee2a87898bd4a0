// Test helper: emits raw ustar archives byte by byte. node-tar's packer sanitises paths and
// refuses odd entries, so hostile packs (../ paths, devices, lying sizes…) are built here.

import { gzipSync } from "node:zlib";

export interface RawEntry {
  /** Stored verbatim in the 100-byte name field (no sanitising). */
  name: string;
  /** ustar typeflag: "0" file, "1" hardlink, "2" symlink, "3" char dev, "4" block dev,
   *  "5" dir, "6" fifo, "x" pax header, "L" GNU long name, anything else verbatim. */
  type?: string;
  mode?: number;
  data?: Buffer | string;
  /** Size written in the header; defaults to the data length (set it to lie). */
  size?: number;
  linkname?: string;
  /** ustar prefix field (joined to name with "/" by readers). */
  prefix?: string;
  devmajor?: number;
  devminor?: number;
}

const BLOCK = 512;

function put(block: Buffer, offset: number, length: number, value: string): void {
  const bytes = Buffer.from(value, "utf8");
  if (bytes.length > length) throw new Error(`field too long: ${value}`);
  bytes.copy(block, offset);
}

function octal(value: number, length: number): string {
  // length - 1 digits, then NUL terminator (the usual ustar encoding)
  return `${value.toString(8).padStart(length - 1, "0")}\0`;
}

export function header(entry: RawEntry): Buffer {
  const type = entry.type ?? "0";
  const data = toBuffer(entry.data);
  const block = Buffer.alloc(BLOCK);
  put(block, 0, 100, entry.name);
  put(block, 100, 8, octal(entry.mode ?? (type === "5" ? 0o755 : 0o644), 8));
  put(block, 108, 8, octal(1000, 8));
  put(block, 116, 8, octal(1000, 8));
  put(block, 124, 12, octal(entry.size ?? data.length, 12));
  put(block, 136, 12, octal(1_700_000_000, 12));
  put(block, 156, 1, type);
  put(block, 157, 100, entry.linkname ?? "");
  put(block, 257, 6, "ustar\0");
  put(block, 263, 2, "00");
  put(block, 265, 32, "till");
  put(block, 297, 32, "till");
  put(block, 329, 8, octal(entry.devmajor ?? 0, 8));
  put(block, 337, 8, octal(entry.devminor ?? 0, 8));
  put(block, 345, 155, entry.prefix ?? "");
  // checksum: sum of all bytes with the checksum field itself counted as spaces
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  put(block, 148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
  return block;
}

function toBuffer(data: Buffer | string | undefined): Buffer {
  if (data === undefined) return Buffer.alloc(0);
  return typeof data === "string" ? Buffer.from(data, "utf8") : data;
}

function padded(data: Buffer): Buffer {
  const rest = data.length % BLOCK;
  return rest === 0 ? data : Buffer.concat([data, Buffer.alloc(BLOCK - rest)]);
}

/** A tar stream; `end: false` omits the two zero blocks that mark the end of the archive. */
export function rawTar(entries: readonly RawEntry[], { end = true } = {}): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    parts.push(header(entry), padded(toBuffer(entry.data)));
  }
  if (end) parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

export function rawTgz(entries: readonly RawEntry[], options?: { end?: boolean }): Buffer {
  return gzipSync(rawTar(entries, options));
}

/** A pax extended header ("x") applying `records` to the next entry. */
export function pax(records: Record<string, string>): RawEntry {
  const lines = Object.entries(records).map(([key, value]) => {
    const body = ` ${key}=${value}\n`;
    // the length prefix counts its own digits
    let length = body.length + 1;
    while (String(length).length + Buffer.byteLength(body) !== length) {
      length = String(length).length + Buffer.byteLength(body);
    }
    return `${length}${body}`;
  });
  return { name: "PaxHeader/next", type: "x", data: lines.join("") };
}

/** A GNU long-name record ("L") giving the next entry's path. */
export function longName(path: string): RawEntry {
  return { name: "././@LongLink", type: "L", data: `${path}\0` };
}

export const file = (name: string, data: string | Buffer = "x", mode?: number): RawEntry => ({
  name,
  data,
  ...(mode === undefined ? {} : { mode }),
});

export const dir = (name: string, mode?: number): RawEntry => ({
  name,
  type: "5",
  ...(mode === undefined ? {} : { mode }),
});
