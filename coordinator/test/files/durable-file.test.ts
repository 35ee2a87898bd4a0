import { chmod, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readTextIfExists, writeFileDurably } from "../../src/files/durable-file.js";
import { loadOrCreateTls } from "../../src/tls/certificates.js";
import { modeOf, T0, tempDir } from "../tls/tls-fixtures.js";

describe("writeFileDurably", () => {
  it("creates a file with exactly the mode asked, whatever the umask", async () => {
    const dir = await tempDir();
    const path = join(dir, "key");
    const umask = process.umask(0o077);
    try {
      await writeFileDurably(join(dir, "cert"), "c", { mode: 0o644, existing: "create" });
    } finally {
      process.umask(umask);
    }
    await writeFileDurably(path, "secret", { mode: 0o600, existing: "create" });
    expect(await readFile(path, "utf8")).toBe("secret");
    expect(await modeOf(path)).toBe(0o600);
    expect(await modeOf(join(dir, "cert"))).toBe(0o644);
  });

  it('never overwrites with "create": EEXIST, the old content stays, no temp file is left', async () => {
    const dir = await tempDir();
    const path = join(dir, "ca.key");
    await writeFile(path, "original key");
    await expect(
      writeFileDurably(path, "new key", { mode: 0o600, existing: "create" }),
    ).rejects.toMatchObject({ code: "EEXIST" });
    expect(await readFile(path, "utf8")).toBe("original key");
    expect(await readdir(dir)).toEqual(["ca.key"]);
  });

  it('replaces whole with "replace"', async () => {
    const dir = await tempDir();
    const path = join(dir, "server.pem");
    await writeFile(path, "old");
    await writeFileDurably(path, "new", { mode: 0o644, existing: "replace" });
    expect(await readFile(path, "utf8")).toBe("new");
    expect(await readdir(dir)).toEqual(["server.pem"]);
  });

  it("reads a missing file as null", async () => {
    expect(await readTextIfExists(join(await tempDir(), "absent"))).toBeNull();
  });
});

describe("loadOrCreateTls on a folder it may not write", () => {
  it.skipIf(process.getuid?.() === 0)(
    "answers with a line naming the folder, not a stack",
    async () => {
      const dir = join(await tempDir(), "tls");
      await mkdir(dir);
      await chmod(dir, 0o500);
      const result = await loadOrCreateTls({ dir, publicHost: "c.example", now: () => T0 });
      expect(result.ok ? "" : result.error).toMatch(new RegExp(`^TLS files in ${dir}: EACCES`));
    },
  );

  it("answers with a line when DATA/tls is a file", async () => {
    const dir = join(await tempDir(), "tls");
    await writeFile(dir, "not a folder");
    const result = await loadOrCreateTls({ dir, publicHost: "c.example", now: () => T0 });
    expect(result.ok ? "" : result.error).toMatch(new RegExp(`^TLS files in ${dir}: EEXIST`));
  });
});
