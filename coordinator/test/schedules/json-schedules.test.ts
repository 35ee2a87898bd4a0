// DATA/schedules.json: mode 600, read back after a reopen, a file that cannot be used stops
// the start naming it.

import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DataDirError } from "../../src/setup/data-dir-error.js";
import { JsonSchedules } from "../../src/store/json/json-schedules.js";

let dir = "";
const logs: string[] = [];
const log = (line: string) => logs.push(line);
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tillroll-schedules-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const WINDOW = {
  tz: "Europe/Berlin",
  days: ["mon", "sat"] as const,
  start: "02:00",
  durationMinutes: 180,
};

describe("JSON schedules file", () => {
  it("keeps DATA/schedules.json, mode 600, readable after a reopen", async () => {
    const schedules = await JsonSchedules.open(dir, log);
    await schedules.setWindow({
      subject: { kind: "group", group: "DE" },
      window: { ...WINDOW, days: [...WINDOW.days] },
      setBy: "admin",
      setAt: "2026-11-30T09:00:00.000Z",
    });
    const path = join(dir, "schedules.json");
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(path, "utf8"))).toMatchObject({
      schemaVersion: 1,
      nextBlackoutId: 1,
    });
    const again = await JsonSchedules.open(dir, log);
    expect((await again.read()).windows).toHaveLength(1);
  });

  it("removes the temp file of a write cut short; the file before it stands", async () => {
    const first = await JsonSchedules.open(dir, log);
    await first.addBlackout((id) => ({
      id,
      from: "2026-12-20T00:00:00.000Z",
      to: "2026-12-27T00:00:00.000Z",
      reason: "Christmas freeze",
      group: null,
      createdBy: "admin",
      createdAt: "2026-11-30T09:00:00.000Z",
    }));
    writeFileSync(join(dir, "schedules.json.tmp-0a1b2c3d"), "{");
    const again = await JsonSchedules.open(dir, log);
    expect((await again.read()).blackouts.map((b) => b.id)).toEqual(["1"]);
    expect(existsSync(join(dir, "schedules.json.tmp-0a1b2c3d"))).toBe(false);
    expect(logs.join("\n")).toMatch(/schedules\.json\.tmp-0a1b2c3d: a schedules write cut short/);
  });

  it.each([
    ["not JSON", "{", /not JSON/],
    ["a wrong shape", JSON.stringify({ schemaVersion: 1, windows: [{}] }), /windows/],
    [
      "a window with an unknown zone",
      JSON.stringify({
        schemaVersion: 1,
        windows: [
          {
            subject: { kind: "group", group: "DE" },
            window: { ...WINDOW, tz: "Mars/Base" },
            setBy: "a",
            setAt: "2026-11-30T09:00:00.000Z",
          },
        ],
        stores: [],
        blackouts: [],
        nextBlackoutId: 1,
      }),
      /Mars\/Base/,
    ],
    [
      "a next id a blackout already has",
      JSON.stringify({
        schemaVersion: 1,
        windows: [],
        stores: [],
        blackouts: [
          {
            id: "2",
            from: "2026-12-20T00:00:00.000Z",
            to: "2026-12-27T00:00:00.000Z",
            reason: "x",
            group: null,
            createdBy: "a",
            createdAt: "2026-11-30T09:00:00.000Z",
          },
        ],
        nextBlackoutId: 2,
      }),
      /nextBlackoutId 2 is not above blackout 2/,
    ],
  ])("a file holding %s stops the start, naming the file", async (_what, content, message) => {
    writeFileSync(join(dir, "schedules.json"), content);
    const opened = JsonSchedules.open(dir, log);
    await expect(opened).rejects.toBeInstanceOf(DataDirError);
    await expect(opened).rejects.toThrow(message);
    await expect(opened).rejects.toThrow(join(dir, "schedules.json"));
  });
});
