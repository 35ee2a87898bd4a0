import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  DESCRIPTOR_FILE,
  decodeDesired,
  decodePayload,
  EXAMPLE_PAYLOADS,
  functionPackDescriptorSchema,
  generateSigningKeyPair,
  parsePublicKey,
  topicFor,
  trustedKeys,
  unwrap,
  validate,
} from "@tillroll/protocol";
import type { MqttClient } from "mqtt";
import pg from "pg";
import { list } from "tar";
import { afterEach, describe, expect, it } from "vitest";
import { startBroker, type TestBroker } from "./broker.js";
import { createDesiredPublisher } from "./coordinator-double.js";
import { startFileServer } from "./file-server.js";
import { closeClient, connectClient, subscribeQos1 } from "./mqtt-client.js";
import { buildPack, readMarker } from "./packs.js";
import { createPos } from "./pos.js";
import { testDatabase } from "./postgres.js";
import { watchStatus } from "./status-watcher.js";
import { freePort, tempDir } from "./temp.js";
import { nextEvent, pollUntil } from "./wait.js";

const ref = { store: "1001", workstation: "01" };

/** Everything a test opened, closed in reverse order even when the test fails. */
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function broker(): Promise<TestBroker> {
  const started = await startBroker();
  cleanups.push(() => started.stop());
  return started;
}

/** A plain mqtt.js subscriber that keeps every message of one topic. */
async function subscriber(url: string, topic: string) {
  const client: MqttClient = await connectClient(url, "sub");
  cleanups.push(() => closeClient(client));
  const messages: Buffer[] = [];
  client.on("message", (_topic, payload) => messages.push(payload));
  await subscribeQos1(client, [topic]);
  return { client, messages };
}

describe("broker and coordinator double", () => {
  it("delivers a signed desired document that verifies with the publisher's key", async () => {
    const b = await broker();
    expect(b.url).toBe(`mqtt://127.0.0.1:${b.port}`);
    const publisher = await createDesiredPublisher({ brokerUrl: b.url });
    cleanups.push(() => publisher.close());
    const sub = await subscriber(b.url, topicFor("desired", ref));

    const artifact = { url: "http://127.0.0.1:1/p.tgz", sha256: "a".repeat(64), size: 10 };
    const first = await publisher.publishDesired(ref, {
      "pos-client": { preferredVersion: "1.1.0", requestId: "r-1", artifact },
      "price-sync": { preferredVersion: null },
    });
    const second = await publisher.publishDesired(ref, {
      "pos-client": { preferredVersion: null },
    });
    expect(second.seq).toBeGreaterThan(first.seq);

    await pollUntil(() => sub.messages.length >= 2, 3_000, "two desired documents");
    const keys = trustedKeys(unwrap(parsePublicKey(publisher.publicKey)));
    const doc = unwrap(decodeDesired(sub.messages[0] ?? "", keys));
    expect(doc).toMatchObject({ seq: first.seq, ...ref });
    expect(doc.services["pos-client"]).toEqual({
      preferredVersion: "1.1.0",
      validFrom: null,
      requestId: "r-1",
      artifact,
    });
    expect(doc.services["price-sync"]?.artifact).toBeNull();
    // Another key must not verify it: the double really signs.
    const otherKeys = trustedKeys(unwrap(parsePublicKey(generateSigningKeyPair().publicKey)));
    expect(decodeDesired(sub.messages[0] ?? "", otherKeys).ok).toBe(false);
  });

  it("pause drops clients; resume listens on the same port and keeps retained state", async () => {
    const b = await broker();
    const publisher = await createDesiredPublisher({ brokerUrl: b.url });
    cleanups.push(() => publisher.close());
    const { seq } = await publisher.publishDesired(ref, { app: { preferredVersion: null } });
    const sub = await subscriber(b.url, topicFor("desired", ref));
    await pollUntil(() => sub.messages.length === 1, 3_000, "retained desired on subscribe");

    const closed = nextEvent(sub.client, "close", 3_000, "client noticing the broker is down");
    await b.pause();
    await closed;
    expect(b.connectionCount()).toBe(0);

    const reconnected = nextEvent(sub.client, "connect", 5_000, "reconnect after resume");
    await b.resume();
    await reconnected;
    expect(b.url).toBe(`mqtt://127.0.0.1:${b.port}`);
    // mqtt.js resubscribes on reconnect; the broker still holds the retained doc.
    await pollUntil(() => sub.messages.length === 2, 3_000, "retained desired after resume");
    const keys = trustedKeys(unwrap(parsePublicKey(publisher.publicKey)));
    expect(unwrap(decodeDesired(sub.messages[1] ?? "", keys)).seq).toBe(seq);
  });

  it("listens on a requested port", async () => {
    const port = await freePort();
    const b = await startBroker({ port });
    cleanups.push(() => b.stop());
    expect(b.port).toBe(port);
  });
});

describe("packs", () => {
  it("builds a tgz with a valid descriptor and executable scripts", async () => {
    const dir = await tempDir("packs");
    cleanups.push(() => dir.cleanup());
    const pack = await buildPack(dir.path, {
      name: "pos-client",
      version: "1.1.0",
      updatableFrom: ">=1.0.0 <1.1.0",
      stop: "kill $(cat pid)",
      beforeInstall: 'echo "before"',
      afterInstall: 'echo "after"',
      extraFiles: { "conf/app.ini": "x=1\n" },
    });
    const bytes = await readFile(pack.path);
    expect(pack.size).toBe(bytes.length);
    expect(pack.sha256).toMatch(/^[0-9a-f]{64}$/);

    const entries = new Map<string, { mode: number; body: string }>();
    await list({
      file: pack.path,
      onReadEntry: (entry) => {
        const chunks: Buffer[] = [];
        entry.on("data", (chunk: Buffer) => chunks.push(chunk));
        entry.on("end", () => {
          const path = entry.path.replace(/^\.\//, "");
          entries.set(path, { mode: entry.mode ?? 0, body: Buffer.concat(chunks).toString() });
        });
      },
    });
    const descriptor = JSON.parse(entries.get(DESCRIPTOR_FILE)?.body ?? "null");
    expect(validate(functionPackDescriptorSchema, descriptor).ok).toBe(true);
    expect(descriptor).toEqual(pack.descriptor);
    for (const script of [
      "bin/start",
      "bin/health",
      "bin/stop",
      "hooks/before-install",
      "hooks/after-install",
    ]) {
      expect(entries.get(script)?.mode, script).toBe(0o755);
      expect(entries.get(script)?.body.startsWith("#!/bin/sh\n"), script).toBe(true);
    }
    expect(entries.get("conf/app.ini")?.mode).toBe(0o644);
  });

  it("the default start script records name, version and its own pid", async () => {
    const dir = await tempDir("marker");
    cleanups.push(() => dir.cleanup());
    const pack = await buildPack(dir.path, { name: "svc", version: "2.0.0", health: "none" });
    const child = spawn(join(pack.folder, "bin/start"), {
      cwd: pack.folder,
      env: { ...process.env, TILLROLL_MARKER_DIR: dir.path },
      stdio: "ignore",
    });
    cleanups.push(async () => child.kill("SIGKILL"));
    const marker = await pollUntil(() => readMarker(dir.path, "svc"), 3_000, "marker file");
    expect(marker).toEqual({ name: "svc", version: "2.0.0", pid: child.pid });
    expect(pack.descriptor.service.health).toBeUndefined();
  });
});

describe("file server", () => {
  it("serves whole files, byte ranges with 206 and refuses unsatisfiable ranges", async () => {
    const dir = await tempDir("files");
    cleanups.push(() => dir.cleanup());
    const pack = await buildPack(dir.path, { name: "svc", version: "1.0.0" });
    const server = await startFileServer();
    cleanups.push(() => server.stop());
    const url = server.serve("svc-1.0.0.tgz", pack.path);
    const bytes = await readFile(pack.path);

    const whole = await fetch(url);
    expect(whole.status).toBe(200);
    expect(Buffer.from(await whole.arrayBuffer()).equals(bytes)).toBe(true);

    const partial = await fetch(url, { headers: { range: "bytes=10-" } });
    expect(partial.status).toBe(206);
    expect(partial.headers.get("content-range")).toBe(
      `bytes 10-${bytes.length - 1}/${bytes.length}`,
    );
    expect(Buffer.from(await partial.arrayBuffer()).equals(bytes.subarray(10))).toBe(true);

    const middle = await fetch(url, { headers: { range: "bytes=3-7" } });
    expect(Buffer.from(await middle.arrayBuffer()).equals(bytes.subarray(3, 8))).toBe(true);

    const beyond = await fetch(url, { headers: { range: `bytes=${bytes.length}-` } });
    expect(beyond.status).toBe(416);
    expect((await fetch(`${server.baseUrl}/missing`)).status).toBe(404);
    expect(server.requests.map((r) => r.range)).toEqual([
      undefined,
      "bytes=10-",
      "bytes=3-7",
      `bytes=${bytes.length}-`,
      undefined,
    ]);
  });

  it("can cut the first download short", async () => {
    const dir = await tempDir("cut");
    cleanups.push(() => dir.cleanup());
    const pack = await buildPack(dir.path, {
      name: "big",
      version: "1.0.0",
      extraFiles: { "data.bin": "x".repeat(200_000) },
    });
    const server = await startFileServer();
    cleanups.push(() => server.stop());
    const url = server.serve("big.tgz", pack.path, { cutAfterBytes: 100 });
    await expect(fetch(url).then((res) => res.arrayBuffer())).rejects.toThrow();
    const again = await fetch(url);
    expect((await again.arrayBuffer()).byteLength).toBe(pack.size);
  });
});

describe("pos and status watcher", () => {
  it("a session set by the POS arrives as a valid session document", async () => {
    const b = await broker();
    const pos = await createPos({ brokerUrl: b.url, ...ref });
    cleanups.push(() => pos.close());
    const sub = await subscriber(b.url, pos.topic);
    const first = await pos.setSession(["alice"], true);
    const second = await pos.setSession([], false);
    expect(second.seq).toBeGreaterThan(first.seq);
    await pollUntil(() => sub.messages.length === 2, 3_000, "two session documents");
    const docs = sub.messages.map((payload) => unwrap(decodePayload("session", payload)));
    expect(docs.map((doc) => [doc.users, doc.transactionInProgress])).toEqual([
      [["alice"], true],
      [[], false],
    ]);
  });

  it("the watcher collects valid documents, waits for one and keeps invalid ones apart", async () => {
    const b = await broker();
    const watcher = await watchStatus({ brokerUrl: b.url, ...ref });
    cleanups.push(() => watcher.close());
    const agent = await createDesiredPublisher({ brokerUrl: b.url }); // a raw publisher
    cleanups.push(() => agent.close());
    const status = { ...EXAMPLE_PAYLOADS.status, ...ref };

    const waiting = watcher.waitFor((doc) => doc.seq === 2, 3_000);
    await agent.publishRaw(topicFor("status", ref), JSON.stringify({ ...status, seq: 1 }));
    await agent.publishRaw(topicFor("status", ref), "{not json");
    await agent.publishRaw(topicFor("status", ref), JSON.stringify({ ...status, seq: 2 }));
    expect((await waiting).seq).toBe(2);
    expect(watcher.all.map((doc) => doc.seq)).toEqual([1, 2]);
    expect(watcher.latest()?.seq).toBe(2);
    expect(watcher.invalid).toHaveLength(1);

    await agent.publishRaw(
      topicFor("presence", ref),
      JSON.stringify(EXAMPLE_PAYLOADS.presence),
      false,
    );
    expect((await watcher.waitForPresence((doc) => doc.state === "online", 3_000)).seq).toBe(7);
    await expect(watcher.waitFor((doc) => doc.seq === 99, 100)).rejects.toThrow(/"seq": 2/);
  });
});

describe("postgres", () => {
  async function count(url: string, sql: string): Promise<number> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return Number((await client.query(sql)).rows[0]?.n);
    } finally {
      await client.end();
    }
  }

  it("gives each caller its own empty database and drops it", async () => {
    const first = await testDatabase();
    cleanups.push(() => first.drop());
    const second = await testDatabase();
    cleanups.push(() => second.drop());
    expect(first.url).not.toBe(second.url);

    const client = new pg.Client({ connectionString: first.url });
    await client.connect();
    await client.query("CREATE TABLE probe (id int); INSERT INTO probe VALUES (1)");
    await client.end();
    expect(await count(first.url, "SELECT count(*) AS n FROM probe")).toBe(1);
    // The other database does not see it.
    await expect(count(second.url, "SELECT count(*) AS n FROM probe")).rejects.toThrow(/probe/);

    const name = new URL(first.url).pathname.slice(1);
    await first.drop();
    await first.drop();
    const server = new URL(first.url);
    server.pathname = "/postgres";
    expect(
      await count(
        server.toString(),
        `SELECT count(*) AS n FROM pg_database WHERE datname = '${name}'`,
      ),
    ).toBe(0);
  });
});
