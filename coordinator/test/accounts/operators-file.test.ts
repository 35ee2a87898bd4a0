import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OperatorDirectory } from "../../src/accounts/operators.js";
import { OperatorsFile } from "../../src/accounts/operators-file.js";
import { FAST_SCRYPT } from "./helpers.js";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tillroll-operators-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function directoryAt(path: string) {
  return OperatorDirectory.open(new OperatorsFile(path), { passwordParams: FAST_SCRYPT });
}

describe("OperatorsFile", () => {
  it("loads nothing when the file does not exist yet", async () => {
    expect(await new OperatorsFile(join(dir, "operators.json")).load()).toEqual([]);
  });

  it("keeps operators across restarts, in a 0600 file, with no temp file left behind", async () => {
    const path = join(dir, "data", "operators.json");
    const first = await directoryAt(path);
    await first.bootstrapAdmin("legacy-token");
    const added = await first.add("anna", "approver", "DE/North", "anna@example.com");
    if (!added.ok) throw new Error(added.error);

    const second = await directoryAt(path);
    expect(second.authenticateToken("legacy-token")?.name).toBe("admin");
    expect(second.authenticateToken(added.value.token)).toMatchObject({
      name: "anna",
      role: "approver",
      scope: "DE/North",
    });
    expect(await second.authenticatePassword("anna", added.value.password)).not.toBeNull();

    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, "data"))).mode & 0o777).toBe(0o700);
    expect(await readdir(join(dir, "data"))).toEqual(["operators.json"]);
    const text = await readFile(path, "utf8");
    expect(JSON.parse(text)).toMatchObject({
      version: 1,
      operators: [{ name: "admin" }, { name: "anna" }],
    });
    expect(text).not.toContain(added.value.token);
    expect(text).not.toContain(added.value.password);
  });

  it("narrows a file someone made readable back to 0600 on the next save", async () => {
    const path = join(dir, "operators.json");
    await writeFile(path, JSON.stringify({ version: 1, operators: [] }), { mode: 0o644 });
    const directory = await directoryAt(path);
    await directory.bootstrapAdmin("t");
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it("leaves the old file and no temp file when the rename fails", async () => {
    const path = join(dir, "operators.json");
    await mkdir(path); // a folder where the file should be: rename cannot replace it
    await writeFile(join(path, "keep"), "x");
    await expect(new OperatorsFile(path).save([])).rejects.toThrow();
    expect((await readdir(dir)).sort()).toEqual(["operators.json"]);
    expect(await readdir(path)).toEqual(["keep"]);
  });

  it("refuses a file that is not JSON, naming it", async () => {
    const path = join(dir, "operators.json");
    await writeFile(path, "{ torn");
    await expect(new OperatorsFile(path).load()).rejects.toThrow(`${path}: not JSON`);
  });

  it("refuses a record that does not fit the schema, naming the field", async () => {
    const path = join(dir, "operators.json");
    const admin = {
      name: "admin",
      role: "root",
      scope: null,
      email: null,
      tokenHash: `sha256:${"0".repeat(64)}`,
      passwordHash: "scrypt$1024$8$1$x$y",
      credentialId: "abcdefghijkl",
      createdAt: "2026-11-30T08:00:00.000Z",
      secretsIssuedAt: "2026-11-30T08:00:00.000Z",
    };
    await writeFile(path, JSON.stringify({ version: 1, operators: [admin] }));
    await expect(new OperatorsFile(path).load()).rejects.toThrow(
      new RegExp(`^${path}: operators\\.0\\.role: `),
    );
  });
});
