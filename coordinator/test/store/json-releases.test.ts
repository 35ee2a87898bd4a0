// The JSON release files: one per release, mode 600, a file that cannot be used stops the
// start naming it, a write cut short leaves nothing behind.

import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DataDirError } from "../../src/setup/data-dir-error.js";
import { JsonReleases } from "../../src/store/json/json-releases.js";
import { releaseRecord } from "./conformance-fixtures.js";

let dir = "";
const logs: string[] = [];
const log = (line: string) => logs.push(line);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tillroll-releases-"));
  logs.length = 0;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("JSON release files", () => {
  it("keeps DATA/releases/<id>.json, mode 600", async () => {
    const releases = await JsonReleases.open(dir, log);
    await releases.create((id) => releaseRecord(id));
    expect(statSync(join(dir, "releases", "1.json")).mode & 0o777).toBe(0o600);
  });

  it.each([
    ["not JSON", "{", /1\.json is not a usable release task \(not JSON/],
    ["a wrong shape", JSON.stringify({ schemaVersion: 1, release: { id: "1" } }), /release\.spec/],
    [
      "another release's record",
      JSON.stringify({ schemaVersion: 1, release: releaseRecord("2") }),
      /holds release 2, not 1/,
    ],
  ])("a file holding %s stops the start, naming the file", async (_what, content, message) => {
    mkdirSync(join(dir, "releases"));
    writeFileSync(join(dir, "releases", "1.json"), content);
    const opened = JsonReleases.open(dir, log);
    await expect(opened).rejects.toBeInstanceOf(DataDirError);
    await expect(opened).rejects.toThrow(message);
    await expect(opened).rejects.toThrow(join(dir, "releases", "1.json"));
  });

  it("removes the temp file of a write cut short and ignores other files", async () => {
    mkdirSync(join(dir, "releases"));
    writeFileSync(join(dir, "releases", "3.json.tmp-0a1b2c3d"), "{");
    writeFileSync(join(dir, "releases", "README"), "notes");
    const releases = await JsonReleases.open(dir, log);
    expect(await releases.list()).toEqual([]);
    expect(logs.join("\n")).toMatch(/3\.json\.tmp-0a1b2c3d: a release write cut short/);
  });

  it("a data folder whose releases/ is a file stops the start", async () => {
    writeFileSync(join(dir, "releases"), "x");
    await expect(JsonReleases.open(dir, log)).rejects.toBeInstanceOf(DataDirError);
  });
});
