import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateSigningKeyPair } from "@tillroll/protocol";
import { describe, expect, it } from "vitest";
import { loadAgentConfig, parseAgentConfig } from "../src/config/load-config.js";

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
