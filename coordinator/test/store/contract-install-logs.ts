// The contract every InstallLogStore keeps (issue 13's install logs), run on the JSON files
// (json-install-logs.test.ts) and on PostgreSQL (pg-install-logs.test.ts): order, the dedupe
// of a re-sent line, retention by lines and by days, the `after` cursor, a restart (a new
// instance over the same place), forgetting a workstation, many rows, and the sweep.

import type { InstallLogLine } from "@tillroll/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { InstallLogRetention, InstallLogStore } from "../../src/store/install-log-store.js";

export const ROW = { store: "1001", workstation: "01", function: "pos-client" };
const DAY = 86_400_000;

/** An install log store that can sweep (both implementations can). */
export type SweepingLogs = InstallLogStore & { sweep(): Promise<number> };

/** What an implementation gives the contract. */
export interface InstallLogHarness {
  /** A new instance over the same place every time (a restart); `now` is the contract's clock. */
  open(retention: Partial<InstallLogRetention>, now: () => number): Promise<SweepingLogs>;
  cleanup(): Promise<void>;
}

export function line(seq: number, over: Partial<InstallLogLine> = {}): InstallLogLine {
  return {
    schema: 1,
    seq,
    ts: new Date(Date.UTC(2026, 10, 30, 11, 0, 0, seq)).toISOString(),
    function: "pos-client",
    version: "1.1.0",
    requestId: "r-1",
    level: "info",
    source: "beforeInstall",
    stream: "stdout",
    line: `line ${seq}`,
    ...over,
  };
}

export function describeInstallLogContract(
  name: string,
  makeHarness: () => Promise<InstallLogHarness>,
): void {
  describe(`install log contract: ${name}`, () => {
    let harness: InstallLogHarness;
    let clock: number;
    const opened: SweepingLogs[] = [];
    beforeEach(async () => {
      clock = Date.UTC(2026, 10, 30, 12);
      harness = await makeHarness();
    });
    afterEach(async () => {
      for (const logs of opened.splice(0)) await logs.close();
      await harness.cleanup();
    });

    const open = async (retention: Partial<InstallLogRetention> = {}) => {
      const logs = await harness.open(retention, () => clock);
      opened.push(logs);
      return logs;
    };
    const texts = async (logs: InstallLogStore, query = {}) =>
      (await logs.read(ROW, query)).lines.map((l) => l.text);

    it("keeps lines in arrival order, with source and stream", async () => {
      const logs = await open();
      // Many at once and then one more.
      await Promise.all([1, 2, 3, 4, 5].map((seq) => logs.append(ROW, line(seq))));
      await logs.append(ROW, line(6, { source: "health", stream: "stderr", level: "warn" }));
      const { lines, next } = await logs.read(ROW);
      expect(lines.map((l) => l.text).sort()).toEqual([1, 2, 3, 4, 5, 6].map((n) => `line ${n}`));
      expect(lines.map((l) => l.n)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(lines.at(-1)).toEqual({
        n: 6,
        seq: 6,
        at: line(6).ts,
        requestId: "r-1",
        level: "warn",
        source: "health",
        stream: "stderr",
        text: "line 6",
      });
      expect(next).toBe(6);
      expect(await logs.read({ ...ROW, function: "scale" })).toEqual({ lines: [], next: 0 });
    });

    it("keeps a line re-sent after a lost acknowledgement once, also after a restart", async () => {
      const logs = await open();
      expect(await logs.append(ROW, line(1))).toBe(true);
      expect(await logs.append(ROW, line(2))).toBe(true);
      expect(await logs.append(ROW, line(1))).toBe(false);
      expect(await Promise.all([logs.append(ROW, line(7)), logs.append(ROW, line(7))])).toEqual(
        expect.arrayContaining([true, false]),
      );
      await logs.close();
      const again = await open();
      expect(await again.append(ROW, line(2))).toBe(false);
      expect(await again.append(ROW, line(3))).toBe(true);
      expect(await texts(again)).toEqual(["line 1", "line 2", "line 7", "line 3"]);
      // The same seq with another time is another line (an agent whose state was lost).
      expect(await again.append(ROW, line(1, { ts: "2026-11-30T11:59:00.000Z" }))).toBe(true);
    });

    it("answers lines after a cursor and of one request; the cursor survives a restart", async () => {
      const logs = await open();
      await logs.append(ROW, line(1));
      await logs.append(ROW, line(2, { requestId: "r-2" }));
      const first = await logs.read(ROW);
      await logs.append(ROW, line(3));
      await logs.append(ROW, line(4, { requestId: "r-2" }));
      expect(await texts(logs, { after: first.next })).toEqual(["line 3", "line 4"]);
      expect(await texts(logs, { requestId: "r-2" })).toEqual(["line 2", "line 4"]);
      expect(await texts(logs, { requestId: "r-2", after: first.next })).toEqual(["line 4"]);
      const later = await logs.read(ROW, { after: 4 });
      expect(later).toEqual({ lines: [], next: 4 });
      await logs.close();
      const again = await open();
      await again.append(ROW, line(5));
      expect(await again.read(ROW, { after: 4 })).toMatchObject({
        lines: [{ text: "line 5" }],
        next: 5,
      });
    });

    it("keeps the last linesPerRow lines", async () => {
      const logs = await open({ linesPerRow: 10 });
      for (let seq = 1; seq <= 55; seq++) await logs.append(ROW, line(seq));
      const kept = await logs.read(ROW);
      expect(kept.lines.map((l) => l.seq)).toEqual(Array.from({ length: 10 }, (_, i) => 46 + i));
      expect(kept.next).toBe(55);
      // Dedupe still knows what is kept.
      expect(await logs.append(ROW, line(55))).toBe(false);
    });

    it("drops lines kept longer ago than `days` (the coordinator's clock, not the till's)", async () => {
      const logs = await open({ days: 30 });
      await logs.append(ROW, line(1, { ts: "2020-01-01T00:00:00.000Z" }));
      clock += 20 * DAY;
      await logs.append(ROW, line(2));
      expect(await texts(logs)).toEqual(["line 1", "line 2"]);
      clock += 11 * DAY;
      expect(await texts(logs)).toEqual(["line 2"]);
      clock += 20 * DAY;
      expect(await logs.read(ROW)).toEqual({ lines: [], next: 0 });
    });

    it("forgets a removed workstation's rows and refuses ids that are not ids", async () => {
      const logs = await open();
      await logs.append(ROW, line(1));
      await logs.append({ ...ROW, function: "scale" }, line(2));
      await logs.append({ ...ROW, workstation: "02" }, line(1));
      await logs.forgetWorkstation("1001", "01");
      expect(await texts(logs)).toEqual([]);
      expect((await logs.read({ ...ROW, function: "scale" })).lines).toEqual([]);
      expect((await logs.read({ ...ROW, workstation: "02" })).lines).toHaveLength(1);
      await expect(logs.read({ ...ROW, store: "../etc" })).rejects.toThrow(/bad workstation id/);
      await expect(logs.append({ ...ROW, function: "a b" }, line(1))).rejects.toThrow(
        /bad function name/,
      );
    });

    it("keeps each row's dedupe and order over many rows", async () => {
      const logs = await open();
      const rows = Array.from({ length: 260 }, (_, i) => ({ ...ROW, workstation: `w${i}` }));
      for (const row of rows) await logs.append(row, line(1));
      expect(await logs.append(rows[0] ?? ROW, line(1))).toBe(false);
      await Promise.all(rows.map((row) => logs.append(row, line(2))));
      for (const row of [rows[0], rows[130], rows[259]])
        expect((await logs.read(row ?? ROW)).lines.map((l) => [l.n, l.seq])).toEqual([
          [1, 1],
          [2, 2],
        ]);
    }, 60_000);

    it("sweep drops expired lines of rows nothing writes to any more", async () => {
      const logs = await open({ days: 30 });
      const old = { ...ROW, workstation: "02" };
      await logs.append(old, line(1));
      await logs.append(old, line(2));
      clock += 20 * DAY;
      await logs.append(ROW, line(3));
      clock += 11 * DAY;
      await logs.close();
      const again = await open({ days: 30 });
      expect(await again.sweep()).toBe(2);
      // A line arriving after the sweep is appended as usual, its n after the dropped ones.
      await again.append(old, line(4));
      expect(await texts(again)).toEqual(["line 3"]);
      expect((await again.read(old)).lines.map((l) => [l.n, l.text])).toEqual([[3, "line 4"]]);
    });
  });
}
