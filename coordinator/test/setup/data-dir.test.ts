import { execFile } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { generateSigningKeyPair } from "@tillroll/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDataDir } from "../../src/setup/data-dir.js";
import { DataDirError } from "../../src/setup/data-dir-error.js";
import { generateKeyFiles, loadSigningKey, publicKeyOf } from "../../src/setup/signing-key.js";

const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));
const run = promisify(execFile);

let dir: string;
const pem = () => join(dir, "signing-key.pem");
const pub = () => join(dir, "signing-key.pub");

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tillroll-key-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function refusal(): Promise<string> {
  const error = await loadSigningKey(dir).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DataDirError);
  return (error as Error).message;
}

describe("the signing key is never replaced", () => {
  it("first start: a new pair, private key mode 600", async () => {
    const key = await loadSigningKey(dir);
    expect(key.publicKey).toMatch(/^ed25519:/);
    expect((await readFile(pub(), "utf8")).trim()).toBe(key.publicKey);
    expect((await stat(pem())).mode & 0o777).toBe(0o600);
    expect(key.notes.join()).toMatch(/created signing key/);
  });

  it("a missing .pub is derived from the private key, whose bytes stay as they were", async () => {
    const first = await loadSigningKey(dir);
    const before = await readFile(pem());
    await rm(pub());
    const again = await loadSigningKey(dir);
    expect(again.publicKey).toBe(first.publicKey);
    expect(await readFile(pem())).toEqual(before);
    expect((await readFile(pub(), "utf8")).trim()).toBe(first.publicKey);
    expect(again.notes.join()).toMatch(/wrote .*signing-key\.pub from the private key/);
  });

  it("an empty .pub is rewritten from the private key, never handed out empty", async () => {
    const first = await loadSigningKey(dir);
    await writeFile(pub(), "");
    const data = await openDataDir(dir);
    expect(data.publicKey).toBe(first.publicKey);
    expect((await readFile(pub(), "utf8")).trim()).toBe(first.publicKey);
  });

  it.each([
    ["empty", "", /signing-key\.pem is empty/],
    ["not PEM", "hello", /signing-key\.pem is not a PEM private key/],
    [
      "cut short",
      generateSigningKeyPair().privateKeyPem.slice(0, 60),
      /signing-key\.pem is not a PEM private key/,
    ],
  ])("a private key that is %s refuses the start, naming the file", async (_what, text, why) => {
    await writeFile(pem(), text, { mode: 0o600 });
    await writeFile(pub(), "ed25519:AAAA\n");
    const message = await refusal();
    expect(message).toMatch(why);
    expect(message).toContain(pem());
    expect(await readFile(pem(), "utf8")).toBe(text);
  });

  it("a key of another type refuses the start", async () => {
    const { generateKeyPairSync } = await import("node:crypto");
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    await writeFile(pem(), privateKey.export({ format: "pem", type: "pkcs8" }).toString());
    expect(await refusal()).toMatch(/holds a ec key, not an Ed25519 key/);
  });

  it("an unreadable private key refuses the start, naming the file", async () => {
    await mkdir(pem()); // EISDIR: unreadable whatever the user (tests run as root)
    const message = await refusal();
    expect(message).toMatch(/^cannot read .*signing-key\.pem \(EISDIR/);
  });

  it("a .pub without its private key refuses (a new pair would lock every agent out)", async () => {
    const first = await loadSigningKey(dir);
    await rm(pem());
    expect(await refusal()).toMatch(/signing-key\.pem is missing but .*signing-key\.pub exists/);
    expect((await readFile(pub(), "utf8")).trim()).toBe(first.publicKey);
    await expect(stat(pem())).rejects.toThrow(/ENOENT/);
  });

  it("a .pub that does not match the private key refuses the start", async () => {
    await loadSigningKey(dir);
    await writeFile(pub(), `${generateSigningKeyPair().publicKey}\n`);
    expect(await refusal()).toMatch(/signing-key\.pub does not match .*signing-key\.pem/);
  });

  it("publicKeyOf gives the public key generateSigningKeyPair gave", () => {
    const pair = generateSigningKeyPair();
    expect(publicKeyOf(pair.privateKeyPem, "k")).toEqual({ ok: true, value: pair.publicKey });
  });
});

describe("rotation", () => {
  it("generateKeyFiles writes a new pair elsewhere and never overwrites", async () => {
    const live = await loadSigningKey(dir);
    const next = join(dir, "next");
    const publicKey = await generateKeyFiles(next);
    expect(publicKey).not.toBe(live.publicKey);
    expect(publicKeyOf(await readFile(join(next, "signing-key.pem"), "utf8"), "x")).toEqual({
      ok: true,
      value: publicKey,
    });
    await expect(generateKeyFiles(next)).rejects.toThrow(/already exists/);
    await expect(generateKeyFiles(dir)).rejects.toThrow(/signing-key\.pem already exists/);
    expect((await loadSigningKey(dir)).publicKey).toBe(live.publicKey);
  });

  it("signing-key.next.pub is offered as the next key; a bad one refuses the start", async () => {
    const live = await loadSigningKey(dir);
    const next = generateSigningKeyPair().publicKey;
    await writeFile(join(dir, "signing-key.next.pub"), `${next}\n`);
    expect((await loadSigningKey(dir)).nextPublicKey).toBe(next);
    await writeFile(join(dir, "signing-key.next.pub"), "");
    expect(await refusal()).toMatch(/signing-key\.next\.pub: public key must start with/);
    await writeFile(join(dir, "signing-key.next.pub"), live.publicKey);
    expect(await refusal()).toMatch(/signing-key\.next\.pub is the current key/);
  });
});

describe("tillroll CLI", () => {
  it("coordinator with a corrupt key: one line naming the file, exit 1, no stack", async () => {
    await writeFile(pem(), "garbage", { mode: 0o600 });
    const failed = await run(process.execPath, [
      CLI,
      "coordinator",
      "--data",
      dir,
      "--mqtt-port",
      "0",
      "--http-port",
      "0",
    ]).then(
      () => null,
      (e: { code: number; stderr: string; stdout: string }) => e,
    );
    expect(failed?.code).toBe(1);
    const lines = failed?.stderr.trim().split("\n") ?? [];
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^tillroll: .*signing-key\.pem is not a PEM private key/);
    expect(failed?.stderr).not.toMatch(/\n\s+at /);
    expect(await readFile(pem(), "utf8")).toBe("garbage");
  });

  it("key generate DIR prints the public key; again on the same DIR is refused", async () => {
    const out = join(dir, "next");
    const { stdout } = await run(process.execPath, [CLI, "key", "generate", out]);
    expect(stdout.split("\n")[0]).toMatch(/^ed25519:[A-Za-z0-9_-]{43}$/);
    const again = await run(process.execPath, [CLI, "key", "generate", out]).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(again?.code).toBe(1);
    expect(again?.stderr.trim()).toMatch(/^tillroll: .*signing-key\.pem already exists/);
  });
});

describe("data file modes", () => {
  it("a group-readable private key or token refuses the start; other files are narrowed", async () => {
    await openDataDir(dir);
    await writeFile(join(dir, "audit.jsonl"), "", { mode: 0o644 });
    await chmod(join(dir, "audit.jsonl"), 0o644);
    const data = await openDataDir(dir);
    expect(data.created.join("\n")).toMatch(/audit\.jsonl was mode 0644 .*set to 0600/);
    expect((await stat(join(dir, "audit.jsonl"))).mode & 0o777).toBe(0o600);

    for (const secret of ["signing-key.pem", "operator-token"]) {
      await chmod(join(dir, secret), 0o640);
      const error = await openDataDir(dir).then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(error).toBeInstanceOf(DataDirError);
      expect(error?.message).toContain(`${join(dir, secret)} is mode 0640`);
      expect((await stat(join(dir, secret))).mode & 0o777).toBe(0o640); // left for the operator to judge
      await chmod(join(dir, secret), 0o600);
    }
  });

  it("a folder open to others gets a warning", async () => {
    await chmod(dir, 0o755);
    const data = await openDataDir(dir);
    expect(data.created.join("\n")).toMatch(/data folder .* is mode 0755/);
  });
});

describe("unusable stores", () => {
  it("a corrupt coordinator.json stops the start with one line naming it", async () => {
    const data = join(dir, "data");
    await mkdir(data, { mode: 0o700 });
    await writeFile(join(data, "coordinator.json"), "{ not json", { mode: 0o600 });
    const failed = await run(process.execPath, [
      CLI,
      "coordinator",
      "--data",
      data,
      "--mqtt-port",
      "0",
      "--http-port",
      "0",
    ]).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(failed?.code).toBe(1);
    const lines = failed?.stderr.trim().split("\n") ?? [];
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/coordinator\.json: no usable copy .*restore it from your backup$/);
    expect(await readFile(join(data, "coordinator.json"), "utf8")).toBe("{ not json");
  });
});
