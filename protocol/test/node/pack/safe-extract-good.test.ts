import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as tar from "tar";
import { describe, expect, it } from "vitest";
import { extractPackSafely } from "../../../src/node/pack/safe-extract.js";
import { LIMITS, usePackWorkspace } from "./pack-workspace.js";
import { dir, file, pax, rawTgz } from "./tar-writer.js";

const ws = usePackWorkspace();

describe("extractPackSafely extracts good packs", () => {
  /** A source folder with an executable, nested folders, an empty folder and binary data. */
  function makeSource(): { src: string; payload: Buffer } {
    const src = join(ws.work, "src");
    const payload = randomBytes(40_000); // spans several gzip/tar chunks
    mkdirSync(join(src, "bin"), { recursive: true });
    mkdirSync(join(src, "lib", "deep", "er"), { recursive: true });
    mkdirSync(join(src, "empty"));
    writeFileSync(join(src, "bin", "start"), "#!/bin/sh\necho hi\n", { mode: 0o755 });
    writeFileSync(join(src, "lib", "deep", "er", "data.bin"), payload, { mode: 0o644 });
    writeFileSync(join(src, "README"), "readme", { mode: 0o644 });
    writeFileSync(join(src, "lib", "empty.txt"), "");
    return { src, payload };
  }

  function expectExtracted(payload: Buffer): void {
    expect(statSync(join(ws.staging, "bin", "start")).mode & 0o7777).toBe(0o755);
    expect(statSync(join(ws.staging, "README")).mode & 0o7777).toBe(0o644);
    expect(readFileSync(join(ws.staging, "bin", "start"), "utf8")).toBe("#!/bin/sh\necho hi\n");
    expect(readFileSync(join(ws.staging, "lib", "deep", "er", "data.bin")).equals(payload)).toBe(
      true,
    );
    expect(statSync(join(ws.staging, "empty")).isDirectory()).toBe(true);
    expect(readdirSync(join(ws.staging, "empty"))).toEqual([]);
    expect(statSync(join(ws.staging, "lib", "empty.txt")).size).toBe(0);
  }

  const goodSize = 18 + 40_000 + 6;

  it("extracts an archive made by GNU tar (`tar czf pack.tgz -C dir .`, ./ prefixes)", async () => {
    const { src, payload } = makeSource();
    execFileSync("tar", ["czf", ws.archive, "-C", src, "."]);
    const listing = execFileSync("tar", ["tzf", ws.archive], { encoding: "utf8" });
    expect(listing).toContain("./bin/start");
    const result = await extractPackSafely(ws.archive, ws.staging, LIMITS);
    expect(result).toEqual({ ok: true, files: 4, bytes: goodSize });
    expectExtracted(payload);
  });

  it("extracts an archive made by node-tar (tar.c({gzip, cwd}, ['.']))", async () => {
    const { src, payload } = makeSource();
    await tar.c({ gzip: true, cwd: src, file: ws.archive }, ["."]);
    const result = await extractPackSafely(ws.archive, ws.staging, LIMITS);
    expect(result).toEqual({ ok: true, files: 4, bytes: goodSize });
    expectExtracted(payload);
  });

  it("creates parents the archive does not list and keeps exact modes", async () => {
    writeFileSync(
      ws.archive,
      rawTgz([
        file("a/b/c/tool", "run", 0o755),
        file("a/b/private", "p", 0o600),
        file("sticky", "s", 0o1755), // sticky bit stripped, not refused
        dir("locked/", 0o500), // folders keep owner rwx
        dir("./"),
      ]),
    );
    const result = await extractPackSafely(ws.archive, ws.staging, LIMITS);
    expect(result).toEqual({ ok: true, files: 3, bytes: 5 });
    expect(statSync(join(ws.staging, "a/b/c/tool")).mode & 0o7777).toBe(0o755);
    expect(statSync(join(ws.staging, "a/b/private")).mode & 0o7777).toBe(0o600);
    expect(statSync(join(ws.staging, "sticky")).mode & 0o7777).toBe(0o755);
    expect(statSync(join(ws.staging, "locked")).mode & 0o7777).toBe(0o700);
  });

  it("ignores pax type/mode records (node-tar drops them), so they cannot smuggle a device or setuid", async () => {
    writeFileSync(
      ws.archive,
      rawTgz([
        pax({ type: "3" }),
        file("dev-ish", "a"),
        pax({ mode: String(0o4755) }),
        file("suid-ish", "b"),
      ]),
    );
    const result = await extractPackSafely(ws.archive, ws.staging, LIMITS);
    expect(result).toEqual({ ok: true, files: 2, bytes: 2 });
    for (const name of ["dev-ish", "suid-ish"]) {
      const st = statSync(join(ws.staging, name));
      expect(st.isFile()).toBe(true);
      expect(st.mode & 0o7777).toBe(0o644);
    }
  });

  it("accepts a pack exactly at both caps", async () => {
    writeFileSync(
      ws.archive,
      rawTgz([dir("d/"), file("d/x", Buffer.alloc(700)), file("y", Buffer.alloc(300))]),
    );
    const result = await extractPackSafely(ws.archive, ws.staging, {
      maxBytes: 1000,
      maxEntries: 3,
    });
    expect(result).toEqual({ ok: true, files: 2, bytes: 1000 });
  });

  it("accepts a pack of empty folders only, without loosening the staging root", async () => {
    writeFileSync(ws.archive, rawTgz([dir("./", 0o777), dir("./one/"), dir("./one/two/")]));
    const result = await extractPackSafely(ws.archive, ws.staging, LIMITS);
    expect(result).toEqual({ ok: true, files: 0, bytes: 0 });
    expect(readdirSync(ws.staging, { recursive: true }).sort()).toEqual([
      "one",
      join("one", "two"),
    ]);
    // the "./" entry's 0777 is ignored: the root keeps the mode a plain mkdir gives it
    mkdirSync(join(ws.work, "reference"));
    const expected = statSync(join(ws.work, "reference")).mode & 0o7777;
    expect(statSync(ws.staging).mode & 0o7777).toBe(expected);
  });
});
