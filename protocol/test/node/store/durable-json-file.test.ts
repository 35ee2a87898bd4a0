import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  DurableFileError,
  DurableJsonFile,
  openDurableDb,
} from "../../../src/node/store/durable-json-file.js";

interface State {
  counter: number;
  items: string[];
}

function validate(raw: unknown): State {
  if (typeof raw !== "object" || raw === null) throw new Error("state must be an object");
  const r = raw as Record<string, unknown>;
  if (typeof r.counter !== "number") throw new Error("counter must be a number");
  if (!Array.isArray(r.items) || !r.items.every((i) => typeof i === "string")) {
    throw new Error("items must be an array of strings");
  }
  return { counter: r.counter, items: r.items as string[] };
}

const envelope = (schemaVersion: number, data: unknown) => JSON.stringify({ schemaVersion, data });

let dir: string;
let file: string;
let logs: string[];
const store = (extra: { migrate?: (v: number, raw: unknown) => unknown; mode?: number } = {}) =>
  new DurableJsonFile<State>({
    path: file,
    schemaVersion: 2,
    validate,
    log: (m) => logs.push(m),
    ...extra,
  });
const onDisk = async (p: string) => JSON.parse(await readFile(p, "utf8")) as unknown;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "tillroll-store-"));
  file = path.join(dir, "state.json");
  logs = [];
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("DurableJsonFile", () => {
  it("reads null when neither the file nor its backup exists, creating nothing", async () => {
    expect(await store().read()).toBeNull();
    expect(await readdir(dir)).toEqual([]);
  });

  it("round-trips data inside a schemaVersion envelope", async () => {
    const state = { counter: 7, items: ["pos-client@1.2.3"] };
    await store().write(state);
    expect(await store().read()).toEqual(state);
    expect(await onDisk(file)).toEqual({ schemaVersion: 2, data: state });
  });

  it("keeps the previous version as .bak after each write", async () => {
    const s = store();
    await s.write({ counter: 1, items: [] });
    expect(await readdir(dir)).toEqual(["state.json"]); // nothing to back up yet
    await s.write({ counter: 2, items: [] });
    await s.write({ counter: 3, items: [] });
    expect(await onDisk(file)).toMatchObject({ data: { counter: 3 } });
    expect(await onDisk(`${file}.bak`)).toMatchObject({ data: { counter: 2 } });
  });

  it("falls back to .bak when the main file is truncated, and says so", async () => {
    await writeFile(`${file}.bak`, envelope(2, { counter: 1, items: ["a"] }));
    await writeFile(file, envelope(2, { counter: 2, items: ["a", "b"] }).slice(0, 25));
    expect(await store().read()).toEqual({ counter: 1, items: ["a"] });
    expect(logs.join("\n")).toMatch(/state\.json is unusable: not valid JSON.*using backup/);
  });

  it("falls back to .bak when the main file is missing", async () => {
    await writeFile(`${file}.bak`, envelope(2, { counter: 1, items: [] }));
    expect(await store().read()).toEqual({ counter: 1, items: [] });
    expect(logs.join("\n")).toMatch(/is missing; using backup/);
  });

  it("throws a clear error naming the file and both problems when both are bad", async () => {
    await writeFile(file, envelope(2, { counter: "seven", items: [] }));
    await writeFile(`${file}.bak`, "");
    const error = await store()
      .read()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DurableFileError);
    expect(error).toMatchObject({ kind: "unreadable", path: file });
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toMatch(/invalid data: counter must be a number/);
    expect((error as Error).message).toMatch(/backup .*state\.json\.bak: file is empty/);
  });

  it("never starts empty when the main file is corrupt and there is no backup", async () => {
    await writeFile(file, '{"schemaVersion": 2, "da');
    await expect(store().read()).rejects.toMatchObject({ kind: "unreadable" });
  });

  it("refuses a file from a newer schema, even with a usable backup", async () => {
    await writeFile(file, envelope(3, { counter: 9, items: [], extra: true }));
    await writeFile(`${file}.bak`, envelope(2, { counter: 1, items: [] }));
    await expect(store().read()).rejects.toMatchObject({ kind: "newer-schema", path: file });
    // And will not overwrite it either: that would be the same downgrade.
    await expect(store().write({ counter: 0, items: [] })).rejects.toThrow(
      /schemaVersion 3 is newer/,
    );
    expect(await onDisk(file)).toMatchObject({ schemaVersion: 3 });
  });

  it("migrates a file from an older schema, and keeps the original as .bak on write", async () => {
    await writeFile(file, envelope(1, { count: 4 }));
    const calls: unknown[] = [];
    const s = store({
      migrate: (from, raw) => {
        calls.push([from, raw]);
        return { counter: (raw as { count: number }).count, items: [] };
      },
    });
    expect(await s.read()).toEqual({ counter: 4, items: [] });
    expect(calls).toEqual([[1, { count: 4 }]]);
    await s.write({ counter: 5, items: [] });
    expect(await onDisk(file)).toEqual({ schemaVersion: 2, data: { counter: 5, items: [] } });
    expect(await onDisk(`${file}.bak`)).toEqual({ schemaVersion: 1, data: { count: 4 } });
  });

  it("refuses an older file when no migration is supplied", async () => {
    await writeFile(file, envelope(1, { count: 4 }));
    await expect(store().read()).rejects.toMatchObject({ kind: "no-migration" });
  });

  it("refuses to write data that would not read back, leaving the files alone", async () => {
    const s = store();
    await s.write({ counter: 1, items: [] });
    const bad = { counter: 2, items: [3] } as unknown as State;
    await expect(s.write(bad)).rejects.toMatchObject({ kind: "invalid-data" });
    expect(await onDisk(file)).toMatchObject({ data: { counter: 1 } });
    expect(await readdir(dir)).toEqual(["state.json"]);
  });

  it("after falling back, the next write keeps the good .bak instead of backing up garbage", async () => {
    await writeFile(`${file}.bak`, envelope(2, { counter: 1, items: [] }));
    await writeFile(file, "garbage");
    const s = store();
    expect(await s.read()).toEqual({ counter: 1, items: [] });
    await s.write({ counter: 2, items: [] });
    expect(await onDisk(`${file}.bak`)).toMatchObject({ data: { counter: 1 } });
    expect(await s.read()).toEqual({ counter: 2, items: [] });
  });

  it("with mode 0o600, the main file and its backup are readable by the owner only", async () => {
    const previous = process.umask(0o022);
    try {
      const s = store({ mode: 0o600 });
      await s.write({ counter: 1, items: [] });
      await s.write({ counter: 2, items: [] });
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect((await stat(`${file}.bak`)).mode & 0o777).toBe(0o600);
      // Without the option the umask decides, as before.
      const other = path.join(dir, "plain.json");
      await new DurableJsonFile<State>({ path: other, schemaVersion: 2, validate }).write({
        counter: 1,
        items: [],
      });
      expect((await stat(other)).mode & 0o777).toBe(0o644);
    } finally {
      process.umask(previous);
    }
  });

  it("rejects a schemaVersion that is not a positive integer", () => {
    expect(() => new DurableJsonFile({ path: file, schemaVersion: 0, validate })).toThrow(
      /positive integer/,
    );
  });
});

describe("openDurableDb", () => {
  it("starts from a copy of the defaults when nothing is stored, without creating files", async () => {
    const defaults: State = { counter: 0, items: [] };
    const db = await openDurableDb({ path: file, schemaVersion: 2, validate, defaults });
    expect(db.data).toEqual(defaults);
    expect(db.data).not.toBe(defaults);
    expect(await readdir(dir)).toEqual([]);
    await db.update((d) => {
      d.items.push("x");
    });
    expect(defaults.items).toEqual([]);
    expect(await onDisk(file)).toEqual({ schemaVersion: 2, data: { counter: 0, items: ["x"] } });
  });

  it("loads what is stored", async () => {
    await writeFile(file, envelope(2, { counter: 3, items: ["y"] }));
    const db = await openDurableDb({
      path: file,
      schemaVersion: 2,
      validate,
      defaults: { counter: 0, items: [] },
    });
    expect(db.data).toEqual({ counter: 3, items: ["y"] });
  });
});
