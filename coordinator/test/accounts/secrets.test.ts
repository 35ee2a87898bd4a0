import { describe, expect, it } from "vitest";
import {
  API_TOKEN_PREFIX,
  apiTokenMatches,
  generateApiToken,
  generatePassword,
  hashApiToken,
  hashPassword,
  PASSWORD_SCRYPT_PARAMS,
  passwordNeedsRehash,
  verifyPassword,
} from "../../src/accounts/secrets.js";
import { FAST_SCRYPT } from "./helpers.js";

describe("API tokens", () => {
  it("are trk_ and 256 random bits in base64url", () => {
    const token = generateApiToken();
    expect(token).toMatch(/^trk_[A-Za-z0-9_-]{43}$/);
    expect(token.startsWith(API_TOKEN_PREFIX)).toBe(true);
    expect(Buffer.from(token.slice(4), "base64url")).toHaveLength(32);
  });

  it("never repeat", () => {
    expect(new Set(Array.from({ length: 1000 }, generateApiToken)).size).toBe(1000);
  });

  it("are stored as sha256 and matched only by themselves", () => {
    const token = generateApiToken();
    const stored = hashApiToken(token);
    expect(stored).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(stored).not.toContain(token.slice(4));
    expect(apiTokenMatches(token, stored)).toBe(true);
    expect(apiTokenMatches(`${token}x`, stored)).toBe(false);
    expect(apiTokenMatches(generateApiToken(), stored)).toBe(false);
    expect(apiTokenMatches("", stored)).toBe(false);
    expect(apiTokenMatches(token, "garbage")).toBe(false);
  });

  it("hash today's hex operator tokens too (they have no prefix)", () => {
    const legacy = "0123456789abcdef0123456789abcdef0123456789abcdef";
    expect(apiTokenMatches(legacy, hashApiToken(legacy))).toBe(true);
  });
});

describe("generated passwords", () => {
  it("are four groups of six unambiguous characters", () => {
    const password = generatePassword();
    expect(password).toMatch(/^([a-km-zA-HJ-NP-Z2-9]{6}-){3}[a-km-zA-HJ-NP-Z2-9]{6}$/);
    expect(password).not.toMatch(/[0O1lI]/);
  });

  it("never repeat", () => {
    expect(new Set(Array.from({ length: 1000 }, generatePassword)).size).toBe(1000);
  });
});

// The default cost is ~0.5 s a hash on an idle machine; a loaded CI box may take many times that.
const SLOW = { timeout: 30_000 };

describe("password hashes", () => {
  it("use memory-hard scrypt parameters by default (32 MiB, OWASP)", () => {
    const { N, r, p } = PASSWORD_SCRYPT_PARAMS;
    expect(128 * N * r).toBe(32 * 1024 * 1024);
    expect(N * p).toBeGreaterThanOrEqual(2 ** 16);
  });

  it(
    "encode their parameters and a random salt, and verify with the default cost",
    SLOW,
    async () => {
      const password = generatePassword();
      const encoded = await hashPassword(password);
      const { N, r, p } = PASSWORD_SCRYPT_PARAMS;
      expect(encoded).toMatch(
        new RegExp(`^scrypt\\$${N}\\$${r}\\$${p}\\$[A-Za-z0-9_-]{22}\\$[A-Za-z0-9_-]{43}$`),
      );
      expect(encoded).not.toContain(password);
      expect(await verifyPassword(password, encoded)).toBe(true);
      expect(await verifyPassword(`${password}!`, encoded)).toBe(false);
    },
  );

  it("salt every hash", async () => {
    const a = await hashPassword("same", FAST_SCRYPT);
    const b = await hashPassword("same", FAST_SCRYPT);
    expect(a).not.toBe(b);
    expect(await verifyPassword("same", a)).toBe(true);
    expect(await verifyPassword("same", b)).toBe(true);
  });

  it("keep verifying after the default parameters change (they travel in the hash)", async () => {
    const old = await hashPassword("pw", FAST_SCRYPT);
    expect(await verifyPassword("pw", old)).toBe(true);
    expect(passwordNeedsRehash(old)).toBe(true);
    expect(passwordNeedsRehash(old, FAST_SCRYPT)).toBe(false);
  });

  it("treat the same text in another Unicode form as the same password", async () => {
    const encoded = await hashPassword("Grüße", FAST_SCRYPT);
    expect(await verifyPassword("Gru\u0308ße", encoded)).toBe(true);
  });

  it("run off the main thread: the event loop keeps turning during a hash", SLOW, async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    await hashPassword("pw", PASSWORD_SCRYPT_PARAMS);
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(5);
  });

  it.each([
    ["not a hash"],
    ["scrypt$1024$8$1$c2FsdA$"],
    ["scrypt$1000$8$1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5"],
    ["scrypt$4194304$8$1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5"],
    ["scrypt$1024$8$99$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5"],
    ["scrypt$1024$8$1$c2FsdHNhbHRzYWx0$a2V5"],
    ["bcrypt$1024$8$1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5"],
  ])("refuse a malformed or out-of-bounds hash %s without throwing", async (encoded) => {
    expect(await verifyPassword("pw", encoded)).toBe(false);
    expect(passwordNeedsRehash(encoded)).toBe(true);
  });

  it("refuse an absurdly long password before hashing it", async () => {
    await expect(hashPassword("x".repeat(1025), FAST_SCRYPT)).rejects.toThrow(
      "password is longer than 1024 characters",
    );
    const encoded = await hashPassword("x".repeat(1024), FAST_SCRYPT);
    expect(await verifyPassword("x".repeat(1024), encoded)).toBe(true);
    expect(await verifyPassword("x".repeat(1025), encoded)).toBe(false);
  });
});
