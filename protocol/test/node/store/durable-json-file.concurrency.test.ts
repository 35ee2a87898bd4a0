import * as fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type DurableFs, DurableJsonFile } from "../../../src/node/store/durable-json-file.js";

interface Journal {
  seq: number;
}
const validate = (raw: unknown): Journal => {
  const seq = (raw as { seq?: unknown } | null)?.seq;
  if (typeof seq !== "number") throw new Error("seq must be a number");
  return { seq };
};

/**
 * Real fs, but each write's temp file is tracked from creation to rename so the
 * test can see how many writes overlapped; `rename` is slowed down to widen
 * the window in which new writes pile up.
 */
function observingFs(stats: { inFlight: number; maxInFlight: number; renames: number }): DurableFs {
  return {
    open: async (file, flags) => {
      if (flags === "wx") stats.maxInFlight = Math.max(stats.maxInFlight, ++stats.inFlight);
      return fsp.open(file, flags);
    },
    readFile: (file, encoding) => fsp.readFile(file, encoding),
    readdir: (d) => fsp.readdir(d),
    rename: async (from, to) => {
      await sleep(2);
      await fsp.rename(from, to);
      if (!to.endsWith(".bak")) {
        stats.renames++;
        stats.inFlight--;
      }
    },
    link: (a, b) => fsp.link(a, b),
    copyFile: (a, b) => fsp.copyFile(a, b),
    unlink: (f) => fsp.unlink(f),
  };
}

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), "tillroll-store-conc-"));
  file = path.join(dir, "journal.json");
});
afterEach(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

const readSeq = async (p: string) =>
  (JSON.parse(await fsp.readFile(p, "utf8")) as { data: Journal }).data.seq;

describe("DurableJsonFile concurrent writes", () => {
  it("many concurrent writes all resolve and leave the last data on disk", async () => {
    const stats = { inFlight: 0, maxInFlight: 0, renames: 0 };
    const s = new DurableJsonFile<Journal>({
      path: file,
      schemaVersion: 1,
      validate,
      fs: observingFs(stats),
    });
    const writes = Array.from({ length: 100 }, (_, i) => s.write({ seq: i }));
    await Promise.all(writes);

    expect(await readSeq(file)).toBe(99);
    expect(await s.read()).toEqual({ seq: 99 });
    expect(stats.maxInFlight).toBe(1); // serialised: never two temp files at once
    // Coalesced: the first write, then the 99 that queued behind it as one.
    expect(stats.renames).toBe(2);
    expect((await fsp.readdir(dir)).sort()).toEqual(["journal.json", "journal.json.bak"]);
  });

  it("writes issued while one is in flight wait for it, and the latest wins", async () => {
    const stats = { inFlight: 0, maxInFlight: 0, renames: 0 };
    const s = new DurableJsonFile<Journal>({
      path: file,
      schemaVersion: 1,
      validate,
      fs: observingFs(stats),
    });
    const first = s.write({ seq: 1 });
    await sleep(0); // let the first write start
    const later = [s.write({ seq: 2 }), s.write({ seq: 3 }), s.write({ seq: 4 })];
    await first;
    await Promise.all(later);
    expect(stats).toMatchObject({ maxInFlight: 1, renames: 2 });
    expect(await readSeq(file)).toBe(4);
    expect(await readSeq(`${file}.bak`)).toBe(1);
  });

  it("a failed write rejects its callers, cleans its temp file, and does not wedge the queue", async () => {
    let failNext = false;
    const base = observingFs({ inFlight: 0, maxInFlight: 0, renames: 0 });
    const flaky: DurableFs = {
      ...base,
      rename: async (from, to) => {
        if (failNext && to === file) {
          failNext = false;
          throw Object.assign(new Error("EIO: i/o error, rename"), { code: "EIO" });
        }
        await fsp.rename(from, to);
      },
    };
    const s = new DurableJsonFile<Journal>({ path: file, schemaVersion: 1, validate, fs: flaky });
    await s.write({ seq: 1 });
    failNext = true;
    await expect(s.write({ seq: 2 })).rejects.toThrow(/EIO/);
    expect(await readSeq(file)).toBe(1);
    expect((await fsp.readdir(dir)).filter((n) => n.includes(".tmp-"))).toEqual([]);

    await s.write({ seq: 3 });
    expect(await readSeq(file)).toBe(3);
    expect(await readSeq(`${file}.bak`)).toBe(1);
  });

  it("a read during a burst of writes always sees a complete state", async () => {
    const s = new DurableJsonFile<Journal>({ path: file, schemaVersion: 1, validate });
    await s.write({ seq: 0 });
    // The same instance: a second one would sweep this one's in-flight temp files.
    const reader = s;
    const writes: Promise<void>[] = [];
    const seen: number[] = [];
    for (let i = 1; i <= 20; i++) {
      writes.push(s.write({ seq: i }));
      const got = await reader.read();
      expect(got).not.toBeNull();
      seen.push(got?.seq ?? -1);
    }
    await Promise.all(writes);
    expect(seen.every((n) => n >= 0 && n <= 20)).toBe(true);
    expect(await reader.read()).toEqual({ seq: 20 });
  });
});
