import {
  copyFileSync,
  existsSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PackStore } from "../../src/packs/pack-store.js";
import {
  buildPack,
  descriptorFor,
  FIXED_NOW,
  fileSha256,
  openStore,
  snapshot,
  useWorkspace,
} from "./pack-fixtures.js";

const ws = useWorkspace();

const packsDir = () => join(ws.data, "packs");
const indexFile = () => join(packsDir(), "index.json");

/** Proves a publish left no staging folder and no temp copy behind. */
function expectNoLeftovers(): void {
  expect(readdirSync(ws.staging)).toEqual([]);
  expect(readdirSync(packsDir()).filter((name) => name.startsWith("."))).toEqual([]);
}

function unwrapOk<T>(result: { ok: true; value: T } | { ok: false; error: string }): T {
  if (!result.ok) throw new Error(`expected ok, got: ${result.error}`);
  return result.value;
}

describe("PackStore.publish", () => {
  it("stores a valid pack under its sha256 and records it", async () => {
    const store = await openStore(ws);
    const pack = await buildPack(ws);
    const sha = fileSha256(pack);

    const record = unwrapOk(await store.publish(pack));

    expect(record).toEqual({
      name: "pos-client",
      version: "1.1.0",
      updatableFrom: ">=1.0.0 <1.1.0",
      sha256: sha,
      size: statSync(pack).size,
      descriptor: {
        name: "pos-client",
        version: "1.1.0",
        updatableFrom: ">=1.0.0 <1.1.0",
        service: {
          start: "bin/start",
          stop: "bin/stop",
          health: { command: "bin/health", timeoutSeconds: 30, intervalSeconds: 1 },
        },
      },
      publishedAt: FIXED_NOW.toISOString(),
    });
    const stored = join(packsDir(), `${sha}.tgz`);
    expect(readFileSync(stored).equals(readFileSync(pack))).toBe(true);
    expect(store.filePath(sha)).toBe(stored);
    expect(store.get("pos-client", "1.1.0")).toEqual(record);
    expect(store.bySha256(sha)).toEqual(record);
    expect(store.list()).toEqual([record]);
    expect(store.list("pos-client")).toEqual([record]);
    expect(store.list("other")).toEqual([]);
    expectNoLeftovers();
  });

  it("records updatableFrom as null when the descriptor has none", async () => {
    const store = await openStore(ws);
    const descriptor = { name: "scale-driver", version: "2.0.0", service: { start: "bin/start" } };
    const record = unwrapOk(await store.publish(await buildPack(ws, { descriptor })));
    expect(record.updatableFrom).toBeNull();
    expect(record.descriptor).toEqual(descriptor);
  });

  it("returns the existing record when the same bytes are published again", async () => {
    let tick = 0;
    const store = await openStore(ws, { now: () => new Date(Date.UTC(2026, 0, 1, 0, 0, ++tick)) });
    const pack = await buildPack(ws);
    const first = unwrapOk(await store.publish(pack));
    const copy = join(ws.build, "same-bytes.tgz");
    copyFileSync(pack, copy);
    const indexBefore = readFileSync(indexFile(), "utf8");

    const second = unwrapOk(await store.publish(copy));

    expect(second).toEqual(first);
    expect(store.list()).toHaveLength(1);
    expect(readFileSync(indexFile(), "utf8")).toBe(indexBefore);
    expectNoLeftovers();
  });

  it("refuses other bytes for a published version and changes nothing", async () => {
    const store = await openStore(ws);
    const original = unwrapOk(await store.publish(await buildPack(ws, { marker: "one" })));
    const before = snapshot(packsDir());
    const rebuilt = await buildPack(ws, { marker: "two" });

    const result = await store.publish(rebuilt);

    expect(result).toEqual({
      ok: false,
      error: `pos-client 1.1.0 is already published with sha256 ${original.sha256}; versions are immutable, publish a new version`,
    });
    expect(snapshot(packsDir())).toEqual(before);
    expect(store.list()).toEqual([original]);
    expect(store.bySha256(fileSha256(rebuilt))).toBeUndefined();
    expectNoLeftovers();
  });

  it("refuses a version that differs from a published one only in build metadata", async () => {
    const store = await openStore(ws);
    unwrapOk(
      await store.publish(
        await buildPack(ws, { descriptor: descriptorFor("pos-client", "1.2.0+a") }),
      ),
    );
    const result = await store.publish(
      await buildPack(ws, { descriptor: descriptorFor("pos-client", "1.2.0+b") }),
    );
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toContain("1.2.0+a is already published");
    expect(store.list()).toHaveLength(1);
  });

  it("keeps several versions and functions, listed by name then newest first", async () => {
    const store = await openStore(ws);
    for (const [name, version] of [
      ["pos-client", "1.1.0"],
      ["scale-driver", "0.3.0"],
      ["pos-client", "1.10.0"],
      ["pos-client", "1.2.0-rc.1"],
      ["pos-client", "1.2.0"],
    ] as const) {
      unwrapOk(
        await store.publish(await buildPack(ws, { descriptor: descriptorFor(name, version) })),
      );
    }
    const ids = (records: { name: string; version: string }[]) =>
      records.map((r) => `${r.name} ${r.version}`);
    expect(ids(store.list())).toEqual([
      "pos-client 1.10.0",
      "pos-client 1.2.0",
      "pos-client 1.2.0-rc.1",
      "pos-client 1.1.0",
      "scale-driver 0.3.0",
    ]);
    expect(ids(store.list("scale-driver"))).toEqual(["scale-driver 0.3.0"]);
    expect(store.get("pos-client", "1.2.0")?.version).toBe("1.2.0");
    expect(store.get("pos-client", "9.9.9")).toBeUndefined();
  });

  it("lets only one of two concurrent publishes of one version win", async () => {
    const store = await openStore(ws);
    const [a, b] = await Promise.all([
      buildPack(ws, { marker: "a" }).then((pack) => store.publish(pack)),
      buildPack(ws, { marker: "b" }).then((pack) => store.publish(pack)),
    ]);
    expect([a.ok, b.ok].sort()).toEqual([false, true]);
    expect(store.list()).toHaveLength(1);
    expect(readdirSync(packsDir()).filter((n) => n.endsWith(".tgz"))).toHaveLength(1);
  });

  it("returns copies: changing a returned record does not change the store", async () => {
    const store = await openStore(ws);
    const record = unwrapOk(await store.publish(await buildPack(ws)));
    record.version = "6.6.6";
    record.descriptor.service.start = "evil";
    expect(store.get("pos-client", "1.1.0")?.descriptor.service.start).toBe("bin/start");
  });

  it("answers undefined for unknown or malformed hashes", async () => {
    const store = await openStore(ws);
    unwrapOk(await store.publish(await buildPack(ws)));
    for (const sha of ["0".repeat(64), "../index.json", "", "A".repeat(64)]) {
      expect(store.bySha256(sha)).toBeUndefined();
      expect(store.filePath(sha)).toBeUndefined();
    }
  });
});

describe("PackStore persistence", () => {
  it("reads the index back after reopening", async () => {
    const first = await openStore(ws);
    unwrapOk(await first.publish(await buildPack(ws)));
    unwrapOk(
      await first.publish(
        await buildPack(ws, { descriptor: descriptorFor("pos-client", "1.2.0") }),
      ),
    );

    const reopened = await openStore(ws, { now: () => new Date() });

    expect(reopened.list()).toEqual(first.list());
    const envelope = JSON.parse(readFileSync(indexFile(), "utf8"));
    expect(envelope.schemaVersion).toBe(1);
    expect(envelope.data.packs).toHaveLength(2);
    // The reopened store still refuses other bytes for a published version.
    const result = await reopened.publish(await buildPack(ws, { marker: "again" }));
    expect(!result.ok && result.error).toMatch(/^pos-client 1\.1\.0 is already published/);
  });

  it("opens an empty store without writing anything but the folder", async () => {
    const store = await openStore(ws);
    expect(store.list()).toEqual([]);
    expect(readdirSync(packsDir())).toEqual([]);
  });

  it("refuses to open an index that contradicts itself", async () => {
    const store = await openStore(ws);
    const record = unwrapOk(await store.publish(await buildPack(ws)));
    const envelope = {
      schemaVersion: 1,
      data: { packs: [record, { ...record, version: "1.2.0" }] },
    };
    writeFileSync(indexFile(), JSON.stringify(envelope));
    await expect(openStore(ws)).rejects.toThrow(/disagrees with the descriptor/);
  });

  it("removes the temp copy of a publish interrupted by a crash", async () => {
    await openStore(ws);
    const leftover = join(packsDir(), ".incoming-1234-abcdef.tgz");
    writeFileSync(leftover, "half a pack");
    await openStore(ws);
    expect(existsSync(leftover)).toBe(false);
    expect(ws.logs.join("\n")).toContain("interrupted publish");
  });

  it("logs an indexed pack whose file is missing", async () => {
    const store = await openStore(ws);
    const record = unwrapOk(await store.publish(await buildPack(ws)));
    const file = store.filePath(record.sha256) ?? "";
    writeFileSync(file, "truncated");
    await openStore(ws);
    expect(ws.logs.join("\n")).toContain(`${file} (pos-client 1.1.0) is not the`);
  });

  it("rejects unusable limits when opening", async () => {
    await expect(PackStore.open({ dir: ws.data, limits: { maxBytes: -1 } })).rejects.toThrow(
      /maxBytes must be a non-negative integer/,
    );
  });
});
