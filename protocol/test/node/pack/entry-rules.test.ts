import { describe, expect, it } from "vitest";
import {
  checkEntryMode,
  checkEntrySize,
  checkEntryType,
  entryLabel,
  splitPackPath,
} from "../../../src/node/pack/entry-rules.js";

describe("splitPackPath", () => {
  it.each([
    ["bin/start", ["bin", "start"]],
    ["./bin/start", ["bin", "start"]],
    ["bin//start/", ["bin", "start"]],
    ["./", []],
    [".", []],
    ["a/./b", ["a", "b"]],
    ["..foo/bar..", ["..foo", "bar.."]],
    ["ünïcödé/ファイル", ["ünïcödé", "ファイル"]],
  ])("accepts %j", (raw, segments) => {
    expect(splitPackPath(raw)).toEqual({ ok: true, value: segments });
  });

  it.each([
    ["", "empty path"],
    ["..", "escapes"],
    ["../evil", "escapes"],
    ["a/../../x", "escapes"],
    ["a/../b", "escapes"],
    ["./..", "escapes"],
    ["/etc/passwd", "absolute"],
    ["//server/share", "absolute"],
    ["..\\evil", "forbidden character"],
    ["a\\b", "forbidden character"],
    ["C:/Windows/x", "forbidden character"],
    ["c:evil", "forbidden character"],
    ["file.txt:stream", "forbidden character"],
    ["evil\0.txt", "forbidden character"],
    ["line\nbreak", "forbidden character"],
    ["del\u007f", "forbidden character"],
  ])("refuses %j", (raw, rule) => {
    const result = splitPackPath(raw);
    expect(result.ok).toBe(false);
    expect(result.ok ? "" : result.rule).toContain(rule);
  });
});

describe("checkEntryType", () => {
  it.each([
    ["File", "File", "file"],
    ["OldFile", "OldFile", "file"],
    ["Directory", "Directory", "directory"],
  ])("admits %s", (type, headerType, kind) => {
    expect(checkEntryType(type, headerType)).toEqual({ ok: true, value: kind });
  });

  it.each([
    ["SymbolicLink", "symbolic links"],
    ["Link", "hard links"],
    ["CharacterDevice", "character devices"],
    ["BlockDevice", "block devices"],
    ["FIFO", "FIFOs"],
    ["ContiguousFile", "contiguous files"],
    ["GNUDumpDir", "GNU dump directories"],
    ["SparseFile", '"SparseFile"'],
    ["3", '"3"'],
  ])("refuses %s", (type, rule) => {
    const result = checkEntryType(type, type);
    expect(result.ok).toBe(false);
    expect(result.ok ? "" : result.rule).toContain(rule);
  });

  it("refuses when the effective type disagrees with the header's", () => {
    expect(checkEntryType("File", "SymbolicLink").ok).toBe(false);
    expect(checkEntryType("Directory", "File").ok).toBe(false);
  });
});

describe("checkEntryMode", () => {
  it.each([
    [0o755, "file", 0o755],
    [0o644, "file", 0o644],
    [0o600, "file", 0o600],
    [0o1755, "file", 0o755], // sticky stripped
    [0o100755, "file", 0o755], // file-type bits from a pax record are dropped
    [0o555, "directory", 0o755], // owner keeps rwx on folders
    [0o1777, "directory", 0o777],
    [undefined, "file", 0o644],
    [undefined, "directory", 0o755],
  ] as const)("%o as %s becomes %o", (mode, kind, expected) => {
    expect(checkEntryMode(mode, kind)).toEqual({ ok: true, value: expected });
  });

  it.each([0o4755, 0o2755, 0o6755, 0o4000, 0o2000, 0o104755])(
    "refuses setuid/setgid mode %o",
    (mode) => {
      const result = checkEntryMode(mode, "file");
      expect(result.ok).toBe(false);
      expect(result.ok ? "" : result.rule).toContain("setuid/setgid");
      expect(checkEntryMode(mode, "directory").ok).toBe(false);
    },
  );

  it.each([Number.NaN, -1, 1.5, Number.POSITIVE_INFINITY])("refuses invalid mode %s", (mode) => {
    expect(checkEntryMode(mode, "file").ok).toBe(false);
  });
});

describe("checkEntrySize", () => {
  it("accepts sizes and refuses nonsense", () => {
    expect(checkEntrySize(0, "file")).toEqual({ ok: true, value: 0 });
    expect(checkEntrySize(12345, "file")).toEqual({ ok: true, value: 12345 });
    expect(checkEntrySize(0, "directory")).toEqual({ ok: true, value: 0 });
    expect(checkEntrySize(10, "directory").ok).toBe(false);
    expect(checkEntrySize(Number.POSITIVE_INFINITY, "file").ok).toBe(false);
    expect(checkEntrySize(Number.NaN, "file").ok).toBe(false);
    expect(checkEntrySize(-1, "file").ok).toBe(false);
  });
});

describe("entryLabel", () => {
  it("quotes, escapes and clips", () => {
    expect(entryLabel("../evil")).toBe('entry "../evil"');
    expect(entryLabel("a\nb")).toBe('entry "a\\nb"');
    const long = entryLabel("x".repeat(5000));
    expect(long.length).toBeLessThan(220);
    expect(long).toContain("…");
  });
});
