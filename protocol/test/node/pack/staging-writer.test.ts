import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StagingWriter } from "../../../src/node/pack/staging-writer.js";

let work: string;
let root: string;

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "tillroll-writer-"));
  root = join(work, "staging");
  mkdirSync(root);
});

afterEach(() => {
  rmSync(work, { recursive: true, force: true });
});

// The extractor cannot make tar hand over more bytes than a header declared (tar slices the
// body to the declared size), so the write-time counters are exercised here directly.
describe("StagingWriter counts what is actually written", () => {
  it("refuses data beyond the declared size of the entry", () => {
    const writer = new StagingWriter(root, 1_000_000);
    writer.openFile(["liar"], 0o644, 10);
    expect(() => writer.write(Buffer.alloc(11))).toThrow(/more data than its header declares/);
    writer.abandon();
  });

  it("refuses once the total written crosses the cap, whatever the headers said", () => {
    const writer = new StagingWriter(root, 100);
    writer.openFile(["a"], 0o644, 60);
    writer.write(Buffer.alloc(60));
    writer.closeFile();
    writer.openFile(["b"], 0o644, 60);
    expect(() => writer.write(Buffer.alloc(60))).toThrow(/size limit of 100 bytes/);
    writer.abandon();
    expect(statSync(join(root, "b")).size).toBe(0); // the refused chunk was never written
  });

  it("refuses a file that ends short of its declared size", () => {
    const writer = new StagingWriter(root, 1000);
    writer.openFile(["short"], 0o644, 10);
    writer.write(Buffer.from("abc"));
    expect(() => writer.closeFile()).toThrow(/truncated/);
  });

  it("writes files and folders with exact modes", () => {
    const writer = new StagingWriter(root, 1000);
    writer.mkdir(["d"], 0o750);
    writer.openFile(["d", "e", "run"], 0o755, 2);
    writer.write(Buffer.from("hi"));
    writer.closeFile();
    expect(writer.files).toBe(1);
    expect(writer.bytes).toBe(2);
    expect(readFileSync(join(root, "d/e/run"), "utf8")).toBe("hi");
    expect(statSync(join(root, "d/e/run")).mode & 0o7777).toBe(0o755);
    expect(statSync(join(root, "d")).mode & 0o7777).toBe(0o750);
  });

  it("refuses duplicates, files over folders, and the root as a file", () => {
    const writer = new StagingWriter(root, 1000);
    writer.openFile(["f"], 0o644, 0);
    writer.closeFile();
    expect(() => writer.openFile(["f"], 0o644, 0)).toThrow(/duplicate entry/);
    expect(() => writer.mkdir(["f"], 0o755)).toThrow(/cannot create folder/);
    writer.mkdir(["d"], 0o755);
    writer.mkdir(["d"], 0o755); // listing a folder twice is fine
    expect(() => writer.openFile(["d"], 0o644, 0)).toThrow(/duplicate entry/);
    expect(() => writer.openFile([], 0o644, 0)).toThrow(/pack root/);
    expect(readdirSync(root).sort()).toEqual(["d", "f"]);
  });

  it("rejects segments that would leave the root (defence in depth)", () => {
    const writer = new StagingWriter(root, 1000);
    expect(() => writer.openFile(["..", "escaped"], 0o644, 0)).toThrow(/escapes/);
    expect(readdirSync(work)).toEqual(["staging"]);
  });
});
