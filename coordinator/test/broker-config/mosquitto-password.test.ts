import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  MOSQUITTO_DEFAULT_ITERATIONS,
  mosquittoPasswordHash,
  mosquittoPasswordLine,
  parseMosquittoPasswordLine,
  verifyMosquittoPassword,
} from "../../src/broker-config/mosquitto-password.js";

const dir = mkdtempSync(join(tmpdir(), "tillroll-mosquitto-passwd-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What mosquitto_passwd itself writes for `username` / `password`. */
function mosquittoPasswd(username: string, password: string, extra: string[] = []): string {
  const file = join(dir, `pw-${Math.random().toString(36).slice(2)}`);
  execFileSync("mosquitto_passwd", [...extra, "-c", "-b", file, username, password]);
  return readFileSync(file, "utf8").trim();
}

describe("mosquittoPasswordLine", () => {
  it("writes username:$7$101$<12-byte salt>$<64-byte hash> as mosquitto_passwd does", () => {
    const line = mosquittoPasswordLine("agent.1001.01", "s3cret");
    expect(line).toMatch(/^agent\.1001\.01:\$7\$101\$[A-Za-z0-9+/]{16}\$[A-Za-z0-9+/]{86}==$/);
    const theirs = mosquittoPasswd("agent.1001.01", "s3cret");
    // Same shape, field for field.
    expect(theirs.replace(/[A-Za-z0-9+/=]+/g, "x")).toBe(line.replace(/[A-Za-z0-9+/=]+/g, "x"));
    expect(MOSQUITTO_DEFAULT_ITERATIONS).toBe(101);
  });

  it("is PBKDF2-SHA512 over the password: a hash mosquitto_passwd wrote verifies, a wrong password does not", () => {
    const [, hash = ""] = mosquittoPasswd("pos.1001.01", "pässword-ü").split(/:(.*)/s);
    expect(verifyMosquittoPassword(hash, "pässword-ü")).toBe(true);
    expect(verifyMosquittoPassword(hash, "pässword-u")).toBe(false);
    const [, old = ""] = mosquittoPasswd("x", "old", ["-H", "sha512"]).split(/:(.*)/s);
    expect(old.startsWith("$6$")).toBe(true);
    expect(verifyMosquittoPassword(old, "old")).toBe(true);
  });

  it("salts every line and honours a given salt and iteration count", () => {
    expect(mosquittoPasswordHash("a")).not.toBe(mosquittoPasswordHash("a"));
    const salt = Buffer.alloc(12, 7);
    const fixed = mosquittoPasswordHash("a", { salt, iterations: 1000 });
    expect(fixed).toBe(mosquittoPasswordHash("a", { salt, iterations: 1000 }));
    expect(fixed.startsWith(`$7$1000$${salt.toString("base64")}$`)).toBe(true);
    expect(verifyMosquittoPassword(fixed, "a")).toBe(true);
  });

  it.each([
    [() => mosquittoPasswordLine("agent:1001:01", "x"), /must not contain ":"/],
    [() => mosquittoPasswordLine("agent 1001", "x"), /whitespace/],
    [() => mosquittoPasswordLine("", "x"), /username is empty/],
    [() => mosquittoPasswordLine("a", ""), /password is empty/],
    [() => mosquittoPasswordLine("a", "x\u0000y"), /NUL/],
    [() => mosquittoPasswordHash("a", { salt: Buffer.alloc(8) }), /salt must be 12 bytes/],
    [() => mosquittoPasswordHash("a", { iterations: 0 }), /iterations 0/],
  ])("refuses bad input %#", (make, message) => {
    expect(make).toThrow(message);
  });
});

describe("parseMosquittoPasswordLine / verifyMosquittoPassword", () => {
  const line = mosquittoPasswordLine("agent.1001.01", "pw");

  it("reads a line back", () => {
    const parsed = parseMosquittoPasswordLine(line);
    expect(parsed.ok && parsed.value.username).toBe("agent.1001.01");
    expect(parsed.ok && verifyMosquittoPassword(parsed.value.hash, "pw")).toBe(true);
  });

  it.each([
    ["no-colon", /is not "username:hash"/],
    ["user:plain", /does not hold a \$7\$ or \$6\$ Mosquitto hash/],
    ["user:$7$0$AAAAAAAAAAAAAAAA$AA==", /does not hold/],
    ["user:$7$99999999$AAAAAAAAAAAAAAAA$AA==", /does not hold/],
    [`${line.replace(/\$[^$]+$/, "$AAAA")}`, /does not hold/],
  ])("refuses %j", (text, message) => {
    const parsed = parseMosquittoPasswordLine(text);
    expect(parsed.ok ? "" : parsed.error).toMatch(message);
    expect(verifyMosquittoPassword(text.slice(text.indexOf(":") + 1), "pw")).toBe(false);
  });
});
