import { appendFile, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FleetStore } from "../../src/fleet/fleet-store.js";
import type { ServiceRow } from "../../src/fleet/service-row.js";

function row(i: number, version = "1.0.0"): ServiceRow {
  return {
    store: String(1000 + Math.floor(i / 10)),
    workstation: String((i % 10) + 1).padStart(2, "0"),
    function: "pos-client",
    activeVersion: version,
    preferredVersion: null,
    status: "OK",
    phase: null,
    progress: null,
    reason: null,
    validFrom: null,
    requestId: null,
    group: "DE",
    online: true,
    updatedAt: "2026-11-21T09:00:00.000Z",
  };
}

describe("FleetStore: snapshot + journal", () => {
  let dir: string;
  const quiet = () => undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "tillroll-fleet-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("changes appended to the journal survive a restart without a snapshot", async () => {
    const store = await FleetStore.open(dir, quiet);
    store.upsert([row(1), row(2)]);
    store.upsert([row(1, "1.1.0")]);
    await store.close();
    expect(await readdir(dir)).toEqual(["fleet-0.log"]);
    const again = await FleetStore.open(dir, quiet);
    expect(again.table.size).toBe(2);
    expect(again.table.get("1000/02/pos-client")?.activeVersion).toBe("1.1.0");
    await again.close();
  });

  it("rows removed durably (a removed workstation) stay removed after a restart", async () => {
    const store = await FleetStore.open(dir, quiet);
    await store.upsertDurably([row(1), row(2), row(3)]);
    store.upsert([row(2, "1.1.0")]); // pending in the coalesced append: must not come back
    // row(i) is workstation i + 1: rows 2 and 3 are 1000/03 and 1000/04.
    await store.removeDurably(["1000/03/pos-client", "1000/04/pos-client", "9999/01/none"]);
    expect(store.table.has("1000/03/pos-client")).toBe(false);
    await store.close();
    const again = await FleetStore.open(dir, quiet);
    expect(again.table.all().map((r) => r.workstation)).toEqual(["02"]);
    again.upsert([row(3, "1.2.0")]); // enrolled again later: its rows come back
    await again.close();
    const third = await FleetStore.open(dir, quiet);
    expect(third.table.get("1000/04/pos-client")?.activeVersion).toBe("1.2.0");
    expect(third.table.size).toBe(2);
    await third.close();
  });

  it("a long journal becomes a snapshot; the old journal goes; a restart sees every row", async () => {
    const store = await FleetStore.open(dir, quiet);
    for (let batch = 0; batch < 3; batch++) {
      store.upsert(Array.from({ length: 10_000 }, (_, i) => row(i, `1.${batch}.0`)));
      await store.flush();
    }
    await expect
      .poll(async () => (await readdir(dir)).sort(), { timeout: 10_000 })
      .toContain("fleet.json");
    await store.close();
    await expect
      .poll(async () => (await readdir(dir)).filter((n) => n === "fleet-0.log"), {
        timeout: 10_000,
      })
      .toEqual([]);
    const again = await FleetStore.open(dir, quiet);
    expect(again.table.size).toBe(10_000);
    expect(again.table.get("1000/01/pos-client")?.activeVersion).toBe("1.2.0");
    await again.close();
  });

  it("a torn last line (a crash while appending) is skipped, the lines before it kept", async () => {
    const store = await FleetStore.open(dir, quiet);
    store.upsert([row(1)]);
    await store.close();
    await appendFile(join(dir, "fleet-0.log"), '{"store":"10');
    const logged: string[] = [];
    const again = await FleetStore.open(dir, (m) => logged.push(m));
    expect(again.table.size).toBe(1);
    expect(logged.join("\n")).toMatch(/torn line/);
    await again.close();
  });

  it("reads a version 1 snapshot (rows only) and journals on top of it", async () => {
    await writeFile(
      join(dir, "fleet.json"),
      JSON.stringify({ schemaVersion: 1, data: [row(1), row(2)] }),
    );
    const store = await FleetStore.open(dir, quiet);
    expect(store.table.size).toBe(2);
    store.upsert([row(3)]);
    await store.close();
    const again = await FleetStore.open(dir, quiet);
    expect(again.table.size).toBe(3);
    await again.close();
  });

  it("journals older than the snapshot (a crash after compaction) are not replayed", async () => {
    await writeFile(
      join(dir, "fleet.json"),
      JSON.stringify({ schemaVersion: 2, data: { generation: 1, rows: [row(1, "2.0.0")] } }),
    );
    await writeFile(join(dir, "fleet-0.log"), `${JSON.stringify(row(1, "1.0.0"))}\n`);
    const store = await FleetStore.open(dir, quiet);
    expect(store.table.get("1000/02/pos-client")?.activeVersion).toBe("2.0.0");
    expect(await readdir(dir)).not.toContain("fleet-0.log");
    await store.close();
  });
});
