// Hostile or broken packs, one per attack; each must be refused with a reason that names the
// entry (or "archive") and the rule. Used by safe-extract-hostile.test.ts.

import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { ExtractLimits } from "../../../src/node/pack/safe-extract.js";
import { dir, file, longName, pax, type RawEntry, rawTar, rawTgz } from "./tar-writer.js";

// Benign entries placed before the hostile one, so refusals must also undo earlier writes.
export const BENIGN: RawEntry[] = [dir("ok/"), file("ok/readme.txt", "hello")];

export interface HostileCase {
  name: string;
  archive: (work: string) => Buffer;
  mentions: string[];
  limits?: ExtractLimits;
}

export const hostile: HostileCase[] = [
  {
    name: "../ entry",
    archive: () => rawTgz([...BENIGN, file("../evil")]),
    mentions: ['"../evil"', "escapes"],
  },
  {
    name: "a/../../x",
    archive: () => rawTgz([...BENIGN, file("a/../../x")]),
    mentions: ['"a/../../x"', "escapes"],
  },
  {
    name: "../ into the victim folder",
    archive: () => rawTgz([file("../victim/pwned")]),
    mentions: ['"../victim/pwned"', "escapes"],
  },
  {
    name: "absolute path",
    archive: (w) => rawTgz([...BENIGN, file(join(w, "victim", "abs"))]),
    mentions: ["victim/abs", "absolute"],
  },
  {
    name: "absolute /tmp/x",
    archive: () => rawTgz([file("/tmp/x")]),
    mentions: ['"/tmp/x"', "absolute"],
  },
  {
    name: "ustar prefix field escaping",
    archive: () => rawTgz([...BENIGN, { name: "evil", prefix: "..", data: "x" }]),
    mentions: ['"../evil"', "escapes"],
  },
  {
    name: "backslash separators",
    archive: () => rawTgz([file("..\\..\\evil")]),
    mentions: ["evil", "forbidden character"],
  },
  {
    name: "symlink out, then a file through it",
    archive: () =>
      rawTgz([...BENIGN, { name: "link", type: "2", linkname: "../victim" }, file("link/pwned")]),
    mentions: ['"link"', "symbolic links"],
  },
  {
    name: "hardlink to the sentinel, then overwrite it",
    archive: (w) =>
      rawTgz([{ name: "hl", type: "1", linkname: join(w, "sentinel.txt") }, file("hl", "pwned")]),
    mentions: ['"hl"', "hard links"],
  },
  {
    name: "character device",
    archive: () => rawTgz([...BENIGN, { name: "tty", type: "3", devmajor: 4, devminor: 1 }]),
    mentions: ['"tty"', "character devices"],
  },
  {
    name: "block device",
    archive: () => rawTgz([{ name: "sda", type: "4", devmajor: 8 }]),
    mentions: ['"sda"', "block devices"],
  },
  {
    name: "fifo",
    archive: () => rawTgz([...BENIGN, { name: "pipe", type: "6" }]),
    mentions: ['"pipe"', "FIFOs"],
  },
  {
    name: "unknown entry type (sparse)",
    archive: () => rawTgz([...BENIGN, { name: "sparse", type: "S", data: "abc" }]),
    mentions: ['"sparse"', "not allowed"],
  },
  {
    name: "pax header turning a file into a symlink",
    archive: () => rawTgz([pax({ type: "2", linkpath: "../victim" }), file("sneaky")]),
    mentions: ["sneaky"],
  },
  {
    name: "setuid file",
    archive: () => rawTgz([...BENIGN, file("bin/su", "#!/bin/sh", 0o4755)]),
    mentions: ['"bin/su"', "setuid"],
  },
  {
    name: "setgid file",
    archive: () => rawTgz([file("bin/sg", "#!/bin/sh", 0o2755)]),
    mentions: ['"bin/sg"', "setgid"],
  },
  {
    name: "setgid folder",
    archive: () => rawTgz([dir("shared/", 0o2775)]),
    mentions: ['"shared/"', "setgid"],
  },
  {
    name: "pax path override escaping",
    archive: () => rawTgz([...BENIGN, pax({ path: "../evil" }), file("innocent")]),
    mentions: ['"../evil"', "escapes"],
  },
  {
    name: "GNU long name escaping",
    archive: () =>
      rawTgz([
        longName(
          `${"d/".repeat(60)}../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../evil`,
        ),
        file("short"),
      ]),
    mentions: ['entry "d/d/d/', "escapes"],
  },
  {
    name: "more bytes than the cap (honest header)",
    archive: () => rawTgz([...BENIGN, file("big.bin", Buffer.alloc(2000, 1))]),
    limits: { maxBytes: 1000, maxEntries: 50 },
    mentions: ['"big.bin"', "size limit"],
  },
  {
    name: "cap exceeded across several files",
    archive: () => rawTgz([file("a.bin", Buffer.alloc(600)), file("b.bin", Buffer.alloc(600))]),
    limits: { maxBytes: 1000, maxEntries: 50 },
    mentions: ['"b.bin"', "size limit"],
  },
  {
    // The header claims 8 GiB and the data is simply not there: refusing with the size rule
    // (not "truncated") shows the cap fires at the header, before reading the data.
    name: "huge declared size is refused before reading",
    archive: () => gzipSync(rawTar([{ name: "huge", size: 0o77777777777 }], { end: false })),
    mentions: ['"huge"', "size limit"],
  },
  {
    // ustar size field says 10, a pax record says 5000: tar reads 5000 bytes, so the pax
    // value is the one that must be (and is) counted.
    name: "header under-reports, pax size tells the truth",
    archive: () =>
      rawTgz([pax({ size: "5000" }), { name: "liar", size: 10, data: Buffer.alloc(5000, 7) }]),
    limits: { maxBytes: 1000, maxEntries: 50 },
    mentions: ['"liar"', "size limit"],
  },
  {
    // ustar size field says 10 but 5000 bytes follow: the surplus is parsed as a header,
    // fails its checksum, and strict mode refuses the pack.
    name: "header under-reports, surplus data follows",
    archive: () => rawTgz([{ name: "liar", size: 10, data: Buffer.alloc(5000, 7) }]),
    limits: { maxBytes: 1000, maxEntries: 50 },
    mentions: ["archive: invalid tar data", "checksum"],
  },
  {
    name: "more entries than the cap",
    archive: () => rawTgz([file("1"), file("2"), file("3"), file("4")]),
    limits: { maxBytes: 1000, maxEntries: 3 },
    mentions: ['"4"', "entry limit"],
  },
  {
    name: "gzip bomb (zeros after the end marker)",
    archive: () => {
      const member = gzipSync(Buffer.alloc(32 * 1024 * 1024));
      // gzip members concatenate: ~1 GiB of zeros from a few hundred KiB of file
      return Buffer.concat([rawTgz(BENIGN), ...Array.from({ length: 32 }, () => member)]);
    },
    mentions: ["decompressed data exceeds"],
  },
  {
    name: "nested gzip",
    archive: () => gzipSync(rawTgz(BENIGN)),
    mentions: ["nested compression"],
  },
  {
    name: "truncated gzip",
    archive: () => {
      const whole = rawTgz([...BENIGN, file("data.bin", randomBytes(8000))]);
      return whole.subarray(0, Math.floor(whole.length / 2));
    },
    mentions: ["truncated gzip"],
  },
  {
    name: "truncated tar inside complete gzip",
    archive: () =>
      gzipSync(rawTar([...BENIGN, file("data.bin", randomBytes(8000))]).subarray(0, 3000)),
    mentions: ["Truncated"],
  },
  { name: "garbage file", archive: () => randomBytes(4096), mentions: ["not valid gzip"] },
  {
    name: "gzip of garbage",
    archive: () => gzipSync(randomBytes(4096)),
    mentions: ["invalid tar data"],
  },
  { name: "empty gzip", archive: () => gzipSync(Buffer.alloc(0)), mentions: ["invalid tar data"] },
  {
    name: "missing end-of-archive marker",
    archive: () => rawTgz(BENIGN, { end: false }),
    mentions: ["end-of-archive marker"],
  },
  {
    name: "file replacing the pack root",
    archive: () => rawTgz([file(".")]),
    mentions: ['"."', "pack root"],
  },
  {
    name: "duplicate file entry",
    archive: () => rawTgz([...BENIGN, file("ok/readme.txt", "again")]),
    mentions: ['"ok/readme.txt"', "duplicate"],
  },
  {
    name: "folder needed where a file is",
    archive: () => rawTgz([file("f"), file("f/child")]),
    mentions: ['"f/child"', "parent folder"],
  },
];
