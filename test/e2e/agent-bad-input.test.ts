import { createHash } from "node:crypto";
import { readdir, readlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type Artifact, createSigner } from "@tillroll/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type RawEntry,
  rawTgz,
  dir as tarDir,
  file as tarFile,
} from "../../protocol/test/node/pack/tar-writer.js";
import { readMarker } from "../support/packs.js";
import { type AgentKit, agentKit } from "./agent-kit.js";

const DESCRIPTOR = (name = "pos-client", version = "1.1.0") =>
  JSON.stringify({ name, version, service: { start: "bin/start" } });

/** A pack of raw entries: a valid descriptor and start script plus the hostile entry. */
function hostilePack(extra: RawEntry[], descriptor = DESCRIPTOR()): Buffer {
  return rawTgz([
    tarDir("./"),
    tarFile("./function-pack-descriptor.json", descriptor),
    tarDir("./bin/"),
    tarFile("./bin/start", "#!/bin/sh\nexec sleep 1000\n", 0o755),
    ...extra,
  ]);
}

describe("agent: bad packs are refused; nothing written outside staging; current version untouched", () => {
  let kit: AgentKit;
  let n = 0;
  beforeAll(async () => {
    kit = await agentKit("bad-packs", {
      extraConfig: { limits: { maxPackBytes: 64 * 1024, maxPackEntries: 20 } },
    });
    await kit.pack({ name: "pos-client", version: "1.0.0" });
    await kit.agent.start();
    await kit.want("1.0.0");
    await kit.waitService("pos-client", (s) => s.status === "OK" && s.activeVersion === "1.0.0");
  });
  afterAll(async () => {
    await kit.close();
  });

  async function serveBytes(bytes: Buffer): Promise<Artifact> {
    n += 1;
    const path = join(kit.dir.path, `hostile-${n}.tgz`);
    await writeFile(path, bytes);
    const url = kit.files.serve(`hostile-${n}.tgz`, path);
    return { url, sha256: createHash("sha256").update(bytes).digest("hex"), size: bytes.length };
  }

  const big = Buffer.alloc(80 * 1024, 7);
  const cases: { name: string; artifact: () => Promise<Artifact>; reason: RegExp }[] = [
    {
      name: "sha256 mismatch",
      artifact: async () => ({ ...(await serveBytes(hostilePack([]))), sha256: "0".repeat(64) }),
      reason: /sha256 mismatch/,
    },
    {
      name: "length mismatch",
      artifact: async () => {
        const good = await serveBytes(hostilePack([]));
        return { ...good, size: good.size + 10 };
      },
      reason: /length mismatch/,
    },
    {
      name: "../ entry",
      artifact: () => serveBytes(hostilePack([tarFile("../escaped", "x")])),
      reason: /escapes|\.\./,
    },
    {
      name: "absolute path",
      artifact: () => serveBytes(hostilePack([tarFile("/tmp/tillroll-abs", "x")])),
      reason: /absolute/,
    },
    {
      name: "symlink",
      artifact: () =>
        serveBytes(hostilePack([{ name: "./link", type: "2", linkname: "/etc/passwd" }])),
      reason: /symbolic link|symlink/,
    },
    {
      name: "hardlink",
      artifact: () =>
        serveBytes(hostilePack([{ name: "./hard", type: "1", linkname: "./bin/start" }])),
      reason: /hard link/,
    },
    {
      name: "setuid file",
      artifact: () => serveBytes(hostilePack([tarFile("./bin/su", "x", 0o4755)])),
      reason: /setuid/,
    },
    {
      name: "more bytes than the cap",
      artifact: () => serveBytes(hostilePack([tarFile("./big", big)])),
      reason: /bytes|cap|limit/,
    },
    {
      name: "more entries than the cap",
      artifact: () =>
        serveBytes(hostilePack(Array.from({ length: 30 }, (_, i) => tarFile(`./f${i}`, "x")))),
      reason: /entry limit of 20/,
    },
    {
      name: "descriptor naming another function",
      artifact: () => serveBytes(hostilePack([], DESCRIPTOR("price-sync", "1.1.0"))),
      reason: /pack is for function "price-sync", expected "pos-client"/,
    },
    {
      name: "descriptor naming another version",
      artifact: () => serveBytes(hostilePack([], DESCRIPTOR("pos-client", "1.2.0"))),
      reason: /pack is version 1.2.0, expected 1.1.0/,
    },
  ];

  it.each(cases)("$name", async ({ artifact, reason }) => {
    const before = await readMarker(kit.agent.markers, "pos-client");
    const requestId = await kit.want("1.1.0", { pack: { artifact: await artifact() } });
    const done = await kit.waitService(
      "pos-client",
      (s) => s.requestId === requestId && s.status === "Rolled Back",
    );
    expect(done.services["pos-client"]?.reason).toMatch(reason);
    expect(done.services["pos-client"]?.activeVersion).toBe("1.0.0");
    // The old version never stopped: same process, same release.
    expect(await readMarker(kit.agent.markers, "pos-client")).toEqual(before);
    expect(await readlink(join(kit.agent.root, "pos-client", "current"))).toBe("releases/1.0.0");
    // Nothing left behind: no staging folder, no extra release, nothing beside the root.
    expect(await readdir(join(kit.agent.root, "pos-client"))).toEqual(["current", "releases"]);
    expect(await readdir(join(kit.agent.root, "pos-client", "releases"))).toEqual(["1.0.0"]);
    expect(await readdir(kit.agent.root)).toEqual(["pos-client"]);
    expect((await readdir(kit.dir.path)).filter((name) => name.includes("escaped"))).toEqual([]);
    expect(await readdir(join(kit.agent.state, "downloads")).catch(() => [])).toEqual([]);
  });
});

describe("agent: bad desired documents are ignored with a logged reason; the agent stays up", () => {
  let kit: AgentKit;
  beforeAll(async () => {
    kit = await agentKit("bad-desired");
    await kit.pack({ name: "pos-client", version: "1.0.0" });
    await kit.pack({ name: "pos-client", version: "1.1.0" });
    await kit.agent.start();
    await kit.want("1.0.0");
    await kit.waitService("pos-client", (s) => s.status === "OK" && s.activeVersion === "1.0.0");
  });
  afterAll(async () => {
    await kit.close();
  });

  const topic = () =>
    kit.coordinator.topic({ store: kit.agent.store, workstation: kit.agent.workstation });
  const cases: { name: string; send: () => Promise<void>; log: RegExp }[] = [
    {
      name: "bad signature",
      send: async () => {
        const { payload } = await kit.coordinator.publishDesired(
          { store: "1001", workstation: "01" },
          {},
          { seq: 1 },
        );
        const envelope = JSON.parse(payload);
        envelope.payload = envelope.payload.replace('"services":{}', '"services":{ }');
        await kit.coordinator.publishRaw(topic(), JSON.stringify(envelope));
      },
      log: /desired document ignored: signature does not verify/,
    },
    {
      name: "wrong key",
      send: async () => {
        const { generateSigningKeyPair } = await import("@tillroll/protocol");
        const other = createSigner(generateSigningKeyPair().privateKeyPem);
        await kit.coordinator.publishRaw(topic(), JSON.stringify(other.sign('{"schema":1}')));
      },
      log: /desired document ignored: signed by unknown key/,
    },
    {
      name: "stale seq",
      send: async () => {
        await kit.coordinator.publishDesired(
          { store: "1001", workstation: "01" },
          { "pos-client": { preferredVersion: null } },
          { seq: 5 },
        );
      },
      log: /desired document ignored: seq 5 is not above the last applied/,
    },
    {
      name: "invalid JSON",
      send: () => kit.coordinator.publishRaw(topic(), "{not json"),
      log: /desired document ignored: signed envelope: invalid JSON/,
    },
    {
      name: "schema violation",
      send: async () => {
        const signer = createSigner(kit.coordinator.keyPair.privateKeyPem);
        const doc = {
          schema: 1,
          seq: Date.now() * 2,
          ts: new Date().toISOString(),
          store: "1001",
          workstation: "01",
          services: { "pos-client": { preferredVersion: "1.x" } },
        };
        await kit.coordinator.publishRaw(topic(), JSON.stringify(signer.sign(JSON.stringify(doc))));
      },
      log: /desired document ignored: desired document: services\.pos-client\.preferredVersion: "1\.x" is not a semver version/,
    },
    {
      name: "1 MB payload",
      send: () => kit.coordinator.publishRaw(topic(), Buffer.alloc(1024 * 1024, 0x20)),
      log: /desired document ignored: signed envelope is 1048576 bytes, above the limit/,
    },
  ];

  it.each(cases)("$name", async ({ send, log }) => {
    const lines = kit.agent.output.length;
    await send();
    await expect
      .poll(() => kit.agent.output.slice(lines).join("\n"), { timeout: 10_000 })
      .toMatch(log);
    expect(kit.agent.running).toBe(true);
    expect(kit.watcher.latest()?.services["pos-client"]).toMatchObject({
      status: "OK",
      activeVersion: "1.0.0",
    });
  });

  it("still applies a good document afterwards", async () => {
    await kit.want("1.1.0");
    await kit.waitService("pos-client", (s) => s.status === "OK" && s.activeVersion === "1.1.0");
  });
});
