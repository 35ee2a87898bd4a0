// DATA/schedules.json: mode 600, read back after a reopen, a file that cannot be used stops
// the start naming it.

import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DataDirError } from "../../src/setup/data-dir-error.js";
import { JsonSchedules } from "../../src/store/json/json-schedules.js";

let dir = "";
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
    const schedules = await JsonSchedules.open(dir);
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
    const again = await JsonSchedules.open(dir);
    expect((await again.read()).windows).toHaveLength(1);
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
    const opened = JsonSchedules.open(dir);
    await expect(opened).rejects.toBeInstanceOf(DataDirError);
    await expect(opened).rejects.toThrow(message);
    await expect(opened).rejects.toThrow(join(dir, "schedules.json"));
  });
});
