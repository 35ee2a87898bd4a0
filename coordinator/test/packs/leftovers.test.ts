// A coordinator killed mid-publish leaves an upload, a copy in the store and a descriptor
// check folder; the next start removes them all and keeps what is published.

import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { removeUploadLeftovers } from "../../src/packs/upload-leftovers.js";
import { buildPack, openStore, useWorkspace } from "./pack-fixtures.js";

const ws = useWorkspace();

describe("leftovers of interrupted publishes", () => {
  it("are removed on start; published packs stay", async () => {
    const first = await openStore(ws);
    const published = await first.publish(await buildPack(ws));
    expect(published.ok).toBe(true);
    const packs = join(ws.data, "packs");
    const uploads = join(ws.data, "uploads");
    mkdirSync(uploads);
    writeFileSync(join(uploads, "upload-0123456789ab.tgz"), Buffer.alloc(100_000));
    writeFileSync(join(packs, ".incoming-999-abcdef.tgz"), Buffer.alloc(100_000));
    mkdirSync(join(packs, ".check-Xy12Z9"));
    writeFileSync(join(packs, ".check-Xy12Z9", "function-pack-descriptor.json"), "{}");

    const again = await openStore(ws);
    await removeUploadLeftovers(uploads, (line) => ws.logs.push(line));

    expect(readdirSync(uploads)).toEqual([]);
    expect(readdirSync(packs).filter((n) => n.startsWith("."))).toEqual([]);
    expect(again.list().map((r) => r.version)).toEqual(["1.1.0"]);
    const sha = published.ok ? published.value.sha256 : "";
    expect(existsSync(join(packs, `${sha}.tgz`))).toBe(true);
    expect(ws.logs.join("\n")).toMatch(/upload-0123456789ab\.tgz: removed/);
    expect(ws.logs.join("\n")).toMatch(/\.check-Xy12Z9: removed/);
  });

  it("a missing upload folder is fine", async () => {
    await removeUploadLeftovers(join(ws.data, "uploads"), (line) => ws.logs.push(line));
    expect(ws.logs).toEqual([]);
  });
});
