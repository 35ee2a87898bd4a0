import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decompressedCap } from "../../../src/node/pack/pack-limits.js";
import { extractPackSafely } from "../../../src/node/pack/safe-extract.js";
import { BENIGN, hostile } from "./hostile-cases.js";
import { LIMITS, SENTINEL_TEXT, tree, usePackWorkspace } from "./pack-workspace.js";
import { rawTgz } from "./tar-writer.js";

const ws = usePackWorkspace();

describe("extractPackSafely refuses hostile or broken packs", () => {
  it.each(hostile)("$name", async (c) => {
    writeFileSync(ws.archive, c.archive(ws.work));
    const before = tree(ws.work);
    const result = await extractPackSafely(ws.archive, ws.staging, c.limits ?? LIMITS);
    expect(result.ok).toBe(false);
    const reason = result.ok ? "" : result.reason;
    for (const m of c.mentions) expect(reason).toContain(m);
    expect(existsSync(ws.staging)).toBe(false);
    expect(tree(ws.work)).toEqual(before);
    expect(readdirSync(join(ws.work, "victim"))).toEqual([]);
    expect(readFileSync(join(ws.work, "sentinel.txt"), "utf8")).toBe(SENTINEL_TEXT);
  });

  it("refuses an existing staging folder and leaves it untouched", async () => {
    writeFileSync(ws.archive, rawTgz(BENIGN));
    mkdirSync(ws.staging);
    writeFileSync(join(ws.staging, "keep.txt"), "mine");
    const result = await extractPackSafely(ws.archive, ws.staging, LIMITS);
    expect(result).toEqual({ ok: false, reason: expect.stringContaining("already exists") });
    expect(readdirSync(ws.staging)).toEqual(["keep.txt"]);
    expect(readFileSync(join(ws.staging, "keep.txt"), "utf8")).toBe("mine");
  });

  it("refuses when the staging folder's parent does not exist", async () => {
    writeFileSync(ws.archive, rawTgz(BENIGN));
    const result = await extractPackSafely(ws.archive, join(ws.work, "missing", "staging"), LIMITS);
    expect(result).toEqual({ ok: false, reason: expect.stringContaining("does not exist") });
    expect(existsSync(join(ws.work, "missing"))).toBe(false);
  });

  it("refuses a missing archive without creating the staging folder", async () => {
    const result = await extractPackSafely(join(ws.work, "nope.tgz"), ws.staging, LIMITS);
    expect(result).toEqual({ ok: false, reason: expect.stringContaining("ENOENT") });
    expect(existsSync(ws.staging)).toBe(false);
  });

  it.each([
    { maxBytes: -1, maxEntries: 5 },
    { maxBytes: 10, maxEntries: Number.NaN },
    { maxBytes: Number.POSITIVE_INFINITY, maxEntries: 5 },
  ])("refuses invalid limits %o", async (limits) => {
    writeFileSync(ws.archive, rawTgz(BENIGN));
    const result = await extractPackSafely(ws.archive, ws.staging, limits);
    expect(result).toEqual({ ok: false, reason: expect.stringContaining("invalid limits") });
    expect(existsSync(ws.staging)).toBe(false);
  });

  it("bounds decompression far below what the bomb case inflates to", () => {
    // the bound the bomb case above runs into: far below the ~1 GiB it would inflate to
    expect(decompressedCap(LIMITS)).toBeLessThan(1024 * 1024);
  });
});
