import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createSigner,
  decodeDesired,
  EXAMPLE_PAYLOADS,
  encodeDesired,
  generateSigningKeyPair,
  unwrap,
} from "@tillroll/protocol";
import { describe, expect, it } from "vitest";
import { checkConfigMode, configModeWarning } from "../src/config/config-mode.js";
import { loadAgentConfig, parseAgentConfig } from "../src/config/load-config.js";
import { pinnedKeys, trustedKeysOf } from "../src/config/pinned-keys.js";

const key = generateSigningKeyPair().publicKey;
const valid = {
  store: "1001",
  workstation: "01",
  broker: "mqtt://127.0.0.1:1883",
  root: "root",
  state: "/var/lib/tillroll",
  coordinatorKey: key,
  readiness: [{ type: "lockfile", path: "pos.lock" }, { type: "session" }],
};

describe("agent config", () => {
  it("fills defaults and resolves relative paths against the config file's folder", () => {
    const parsed = parseAgentConfig(valid, "/etc/tillroll/agent.json");
    expect(parsed).toMatchObject({
      ok: true,
      value: {
        root: "/etc/tillroll/root",
        state: "/var/lib/tillroll",
        recheckSeconds: 30,
        serviceManager: "process",
        topicRoot: "tillroll/v1",
        readiness: [
          { type: "lockfile", path: "/etc/tillroll/pos.lock", mode: "exists" },
          { type: "session" },
        ],
      },
    });
  });

  const bad: { name: string; change: Record<string, unknown>; error: RegExp }[] = [
    {
      name: "unknown key",
      change: { recheckSecs: 5 },
      error: /config \/c\/agent\.json: unknown field "recheckSecs"/,
    },
    {
      name: "wrong type",
      change: { recheckSeconds: "5" },
      error: /recheckSeconds: expected number, got string "5"/,
    },
    { name: "missing store", change: { store: undefined }, error: /store: is required/ },
    {
      name: "bad broker URL",
      change: { broker: "http://x" },
      error: /broker: "http:\/\/x" is not an mqtt:\/\/ or mqtts:\/\/ URL/,
    },
    {
      name: "bad key",
      change: { coordinatorKey: "abc" },
      error: /coordinatorKey: public key must start with "ed25519:"/,
    },
    {
      name: "no coordinator key at all",
      change: { coordinatorKey: undefined },
      error: /coordinatorKey: is required \(or coordinatorKeys\)/,
    },
    {
      name: "a bad key in coordinatorKeys",
      change: { coordinatorKeys: [key, "ed25519:AAAA"] },
      error: /coordinatorKeys\.1: public key must be 32 bytes, got 3/,
    },
    {
      name: "an empty coordinatorKeys",
      change: { coordinatorKeys: [] },
      error: /coordinatorKeys: /,
    },
    { name: "bad probe", change: { readiness: [{ type: "ping" }] }, error: /readiness\.0/ },
    {
      name: "bad service manager",
      change: { serviceManager: "runit" },
      error: /serviceManager: "runit" is not one of "process", "systemd"/,
    },
    {
      name: "id with /",
      change: { workstation: "0/1" },
      error: /workstation: "0\/1" is not a valid workstation id/,
    },
    {
      name: "unknown limit",
      change: { limits: { maxBytes: 1 } },
      error: /limits: unknown field "maxBytes"/,
    },
  ];
  it.each(bad)("refuses $name, naming it", ({ change, error }) => {
    const parsed = parseAgentConfig({ ...valid, ...change }, "/c/agent.json");
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(error);
  });

  it("says when the file is missing or not JSON", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tillroll-config-"));
    try {
      expect(await loadAgentConfig(join(dir, "nope.json"))).toMatchObject({
        ok: false,
        error: expect.stringMatching(/cannot read \(ENOENT\)/),
      });
      await writeFile(join(dir, "bad.json"), "{");
      expect(await loadAgentConfig(join(dir, "bad.json"))).toMatchObject({
        ok: false,
        error: expect.stringMatching(/invalid JSON/),
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("pinned coordinator keys (issue 8 item 6: key rotation)", () => {
  const oldKey = generateSigningKeyPair();
  const newKey = generateSigningKeyPair();
  const strangerKey = generateSigningKeyPair();

  const configs: { name: string; keys: Record<string, unknown>; pinned: string[] }[] = [
    {
      name: "coordinatorKey alone",
      keys: { coordinatorKey: oldKey.publicKey },
      pinned: [oldKey.publicKey],
    },
    {
      name: "coordinatorKeys alone",
      keys: { coordinatorKey: undefined, coordinatorKeys: [oldKey.publicKey, newKey.publicKey] },
      pinned: [oldKey.publicKey, newKey.publicKey],
    },
    {
      name: "both, repeats dropped",
      keys: {
        coordinatorKey: oldKey.publicKey,
        coordinatorKeys: [newKey.publicKey, oldKey.publicKey],
      },
      pinned: [oldKey.publicKey, newKey.publicKey],
    },
  ];
  it.each(configs)("$name", ({ keys, pinned }) => {
    const parsed = parseAgentConfig({ ...valid, ...keys }, "/c/agent.json");
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(pinnedKeys(parsed.value)).toEqual(pinned);
  });

  it("a desired document verifies when signed by any pinned key, and only then", () => {
    const parsed = parseAgentConfig(
      { ...valid, coordinatorKey: oldKey.publicKey, coordinatorKeys: [newKey.publicKey] },
      "/c/agent.json",
    );
    if (!parsed.ok) throw new Error(parsed.error);
    const keys = trustedKeysOf(parsed.value);
    const doc = EXAMPLE_PAYLOADS.desired;
    for (const pair of [oldKey, newKey]) {
      const signed = unwrap(encodeDesired(doc, createSigner(pair.privateKeyPem)));
      expect(decodeDesired(signed, keys)).toMatchObject({ ok: true, value: { seq: doc.seq } });
    }
    const forged = unwrap(encodeDesired(doc, createSigner(strangerKey.privateKeyPem)));
    expect(decodeDesired(forged, keys)).toMatchObject({
      ok: false,
      error: expect.stringMatching(new RegExp(strangerKey.keyId)),
    });
  });
});

describe("config file mode (issue 8 item 12)", () => {
  const modes: { mode: number; secret: boolean; want: RegExp | null }[] = [
    { mode: 0o100600, secret: true, want: null },
    { mode: 0o100400, secret: true, want: null },
    { mode: 0o100644, secret: false, want: null },
    {
      mode: 0o100640,
      secret: true,
      want: /open to group \(mode 0640\); run: chmod 600 \/c\/agent\.json$/,
    },
    { mode: 0o100604, secret: true, want: /open to others \(mode 0604\)/ },
    {
      mode: 0o100644,
      secret: true,
      want: /holds the broker password but is open to group and others \(mode 0644\)/,
    },
  ];
  it.each(modes)("mode $mode, password $secret", ({ mode, secret, want }) => {
    const warning = configModeWarning("/c/agent.json", mode, secret);
    if (want === null) expect(warning).toBeNull();
    else expect(warning).toMatch(want);
  });

  it("reads the mode of the real file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tillroll-config-mode-"));
    try {
      const path = join(dir, "agent.json");
      await writeFile(path, "{}");
      await chmod(path, 0o644);
      expect(await checkConfigMode(path, true)).toMatch(/mode 0644/);
      await chmod(path, 0o600);
      expect(await checkConfigMode(path, true)).toBeNull();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
