// Packs the store must refuse, and proof that a refusal writes nothing: not in packs/, not
// in the staging parent, not outside.

import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { dir, file, rawTgz } from "../../../protocol/test/node/pack/tar-writer.js";
import type { PackStore } from "../../src/packs/pack-store.js";
import { buildPack, descriptorFor, openStore, snapshot, useWorkspace } from "./pack-fixtures.js";

const ws = useWorkspace();
const packsDir = () => join(ws.data, "packs");

const DESCRIPTOR = JSON.stringify(descriptorFor());
const SCRIPT = "#!/bin/sh\necho start\n";

let store: PackStore;
let before: Record<string, string>;

beforeEach(async () => {
  store = await openStore(ws);
  // One published pack, so "changes nothing" also covers an existing index and file.
  const published = await store.publish(
    await buildPack(ws, { descriptor: descriptorFor("pos-client", "1.0.0") }),
  );
  expect(published.ok).toBe(true);
  before = snapshot(packsDir());
});

async function expectRefused(pack: string, problem: string | RegExp): Promise<void> {
  const rootBefore = readdirSync(ws.root).sort();
  const result = await store.publish(pack);
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result.value)}`);
  if (typeof problem === "string") expect(result.error).toContain(problem);
  else expect(result.error).toMatch(problem);
  expect(snapshot(packsDir())).toEqual(before);
  expect(readdirSync(ws.staging)).toEqual([]);
  expect(readdirSync(ws.root).sort()).toEqual(rootBefore);
  expect(store.list().map((r) => r.version)).toEqual(["1.0.0"]);
}

function writeRaw(name: string, data: Buffer): string {
  const path = join(ws.build, name);
  writeFileSync(path, data);
  return path;
}

describe("descriptor problems", () => {
  it("refuses a pack without a descriptor", async () => {
    await expectRefused(
      await buildPack(ws, { descriptor: null }),
      "pack has no function-pack-descriptor.json at its root",
    );
  });

  it("refuses a descriptor that is not JSON", async () => {
    await expectRefused(
      await buildPack(ws, { descriptor: '{"name": "pos-client",' }),
      /^function-pack-descriptor\.json: invalid JSON \(/,
    );
  });

  it.each([
    [
      "a version that is not semver",
      { version: "1.x" },
      'function-pack-descriptor.json: version: "1.x" is not a semver version',
    ],
    [
      "an absolute start path",
      { service: { start: "/usr/bin/start" } },
      "function-pack-descriptor.json: service.start: ",
    ],
    ["a missing service", { service: undefined }, "service: is required"],
    ["an unknown field", { autoUpdate: true }, 'unknown field "autoUpdate"'],
    [
      "an invalid range",
      { updatableFrom: "not a range" },
      'updatableFrom: "not a range" is not a valid semver range',
    ],
  ])("refuses %s, naming the field", async (_what, change, problem) => {
    const descriptor = { ...descriptorFor("pos-client", "1.1.0"), ...change };
    await expectRefused(await buildPack(ws, { descriptor }), problem);
  });

  it("refuses a descriptor that is a folder", async () => {
    const pack = writeRaw(
      "dir-descriptor.tgz",
      rawTgz([dir("function-pack-descriptor.json/"), file("bin/start", SCRIPT, 0o755)]),
    );
    await expectRefused(
      pack,
      "function-pack-descriptor.json at the pack root is not a regular file",
    );
  });
});

describe("hostile archives", () => {
  const good = [
    file("function-pack-descriptor.json", DESCRIPTOR),
    file("bin/start", SCRIPT, 0o755),
  ];

  it("refuses a symlink entry", async () => {
    const pack = writeRaw(
      "symlink.tgz",
      rawTgz([...good, { name: "bin/stop", type: "2", linkname: "/etc/passwd" }]),
    );
    await expectRefused(pack, 'entry "bin/stop": symbolic links are not allowed');
  });

  it("refuses a path that climbs out of the pack", async () => {
    const pack = writeRaw("escape.tgz", rawTgz([...good, file("../../escaped", "pwned")]));
    await expectRefused(pack, "path escapes the pack");
    expect(readdirSync(ws.root)).not.toContain("escaped");
  });

  it("refuses a hard link entry", async () => {
    const pack = writeRaw(
      "hardlink.tgz",
      rawTgz([...good, { name: "bin/health", type: "1", linkname: "bin/start" }]),
    );
    await expectRefused(pack, "hard links are not allowed");
  });

  it("refuses a truncated archive", async () => {
    const whole = rawTgz(good);
    await expectRefused(writeRaw("truncated.tgz", whole.subarray(0, whole.length - 12)), /gzip/);
  });

  it("refuses a file that is not gzip", async () => {
    await expectRefused(writeRaw("plain.tgz", Buffer.from("just text\n")), "not valid gzip data");
  });

  it("refuses a path that is not a file", async () => {
    const folder = join(ws.build, "a-folder.tgz");
    mkdirSync(folder);
    await expectRefused(folder, "archive: not a regular file");
    await expectRefused(join(ws.build, "missing.tgz"), "archive: cannot open (ENOENT)");
  });
});

describe("configured limits", () => {
  it("refuses a pack with more entries than allowed", async () => {
    store = await openStore(ws, { limits: { maxEntries: 3 } });
    await expectRefused(await buildPack(ws), "pack exceeds the entry limit of 3");
  });

  it("refuses a pack larger than allowed", async () => {
    store = await openStore(ws, { limits: { maxBytes: 100 } });
    const pack = await buildPack(ws, { files: { "lib/data": "x".repeat(200) } });
    await expectRefused(pack, "pack exceeds the size limit of 100 bytes");
  });

  it("refuses an archive file larger than any pack within the limits could be", async () => {
    store = await openStore(ws, { limits: { maxBytes: 0, maxEntries: 0 } });
    const pack = writeRaw("huge.tgz", Buffer.alloc(3 * 1024 * 1024));
    await expectRefused(pack, /^archive: larger than \d+ bytes/);
  });
});
