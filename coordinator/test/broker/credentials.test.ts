import { describe, expect, it } from "vitest";
import {
  DEFAULT_SCRYPT_PARAMS,
  generateSecret,
  hashSecret,
  SECRET_BYTES,
  verifySecret,
  verifySecretAsync,
} from "../../src/broker/credentials.js";

describe("generateSecret", () => {
  it("is url-safe and carries at least 24 random bytes", () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(SECRET_BYTES).toBeGreaterThanOrEqual(24);
    expect(Buffer.from(secret, "base64url")).toHaveLength(SECRET_BYTES);
    expect(encodeURIComponent(secret)).toBe(secret);
  });

  it("never repeats", () => {
    const secrets = new Set(Array.from({ length: 1000 }, () => generateSecret()));
    expect(secrets.size).toBe(1000);
  });
});

describe("hashSecret / verifySecret", () => {
  const secret = generateSecret();
  const encoded = hashSecret(secret);

  it("encodes scrypt$N$r$p$salt$hash with the default cost", () => {
    const { N, r, p } = DEFAULT_SCRYPT_PARAMS;
    expect(encoded).toMatch(
      new RegExp(`^scrypt\\$${N}\\$${r}\\$${p}\\$[A-Za-z0-9_-]{22}\\$[A-Za-z0-9_-]{43}$`),
    );
    expect(encoded).not.toContain(secret);
  });

  it("salts every hash", () => {
    expect(hashSecret(secret)).not.toBe(encoded);
    expect(verifySecret(secret, hashSecret(secret))).toBe(true);
  });

  it("accepts the secret and nothing else", () => {
    expect(verifySecret(secret, encoded)).toBe(true);
    expect(verifySecret(`${secret}x`, encoded)).toBe(false);
    expect(verifySecret(secret.slice(1), encoded)).toBe(false);
    expect(verifySecret("", encoded)).toBe(false);
    expect(verifySecret(generateSecret(), encoded)).toBe(false);
  });

  it("handles non-ASCII secrets", () => {
    const unicode = "Kassenprüfung-✓-🔑";
    expect(verifySecret(unicode, hashSecret(unicode))).toBe(true);
    expect(verifySecret("Kassenprufung-✓-🔑", hashSecret(unicode))).toBe(false);
  });

  it("honours explicit cost parameters and reads them back from the encoding", () => {
    const strong = hashSecret("operator password", { N: 16384, r: 8, p: 1 });
    expect(strong.startsWith("scrypt$16384$8$1$")).toBe(true);
    expect(verifySecret("operator password", strong)).toBe(true);
  });

  it.each([
    { N: 1000, r: 8, p: 1 },
    { N: 1, r: 8, p: 1 },
    { N: 1024, r: 0, p: 1 },
    { N: 1024, r: 8, p: 0 },
    { N: 2 ** 21, r: 8, p: 1 },
    { N: 2 ** 20, r: 8, p: 1 },
  ])("refuses invalid or excessive parameters %o", (params) => {
    expect(() => hashSecret("x", params)).toThrow(RangeError);
  });

  it("detects a tampered hash or salt", () => {
    const parts = encoded.split("$");
    const flip = (text: string) => (text[0] === "A" ? `B${text.slice(1)}` : `A${text.slice(1)}`);
    const badHash = [...parts.slice(0, 5), flip(parts[5] ?? "")].join("$");
    const badSalt = [...parts.slice(0, 4), flip(parts[4] ?? ""), parts[5]].join("$");
    expect(verifySecret(secret, badHash)).toBe(false);
    expect(verifySecret(secret, badSalt)).toBe(false);
  });

  it.each([
    "",
    "plain",
    "scrypt",
    "scrypt$1024$8$1$salt",
    "bcrypt$1024$8$1$c2FsdA$aGFzaA",
    "scrypt$1024$8$1$$aGFzaGhhc2hoYXNoaGFzaA",
    "scrypt$1024$8$1$c2FsdA$",
    "scrypt$1024$8$1$c2FsdA$short",
    "scrypt$1000$8$1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA",
    "scrypt$01024$8$1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA",
    "scrypt$-1024$8$1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA",
    "scrypt$1024$8$1$c2Fs+A==$aGFzaGhhc2hoYXNoaGFzaA",
    "scrypt$1024$8$1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA$extra",
    // Parameters a corrupt store could use to make one login allocate gigabytes.
    "scrypt$1073741824$8$1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA",
    "scrypt$1048576$1024$1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA",
  ])("a malformed encoding %j verifies nothing", async (bad) => {
    expect(verifySecret("secret", bad)).toBe(false);
    await expect(verifySecretAsync("secret", bad)).resolves.toBe(false);
  });
});

describe("verifySecretAsync", () => {
  it("agrees with verifySecret", async () => {
    const secret = generateSecret();
    const encoded = hashSecret(secret);
    await expect(verifySecretAsync(secret, encoded)).resolves.toBe(true);
    await expect(verifySecretAsync(`${secret}!`, encoded)).resolves.toBe(false);
  });

  it("keeps a burst of verifications cheap enough for a reconnect storm", async () => {
    const secret = generateSecret();
    const encoded = hashSecret(secret);
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 200 }, () => verifySecretAsync(secret, encoded)),
    );
    expect(results.every(Boolean)).toBe(true);
    // ~2 ms each at the default cost; generous for a loaded 2-core machine.
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
