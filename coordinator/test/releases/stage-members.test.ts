import { describe, expect, it } from "vitest";
import type { CandidateRow } from "../../src/releases/release-model.js";
import {
  rowsWanted,
  selectStageMembers,
  storeHash,
  takeWholeStores,
} from "../../src/releases/stage-members.js";
import { candidate, fleet, keyOf, PACKS, release } from "./release-fixtures.js";

function select(
  stages: Record<string, unknown>[],
  candidates: CandidateRow[],
  stageIndex = 0,
  more: {
    held?: Map<string, { id: string; name: string }>;
    target?: Record<string, unknown>;
    id?: string;
  } = {},
) {
  const rel = release({ stages, ...(more.target ? { target: more.target } : {}) }, more.id ?? "7");
  return selectStageMembers({
    release: rel,
    stageIndex,
    candidates,
    heldBy: (key) => more.held?.get(key),
    packs: PACKS,
  });
}

const storesOf = (keys: readonly { key: string }[]) => [
  ...new Set(keys.map((k) => k.key.split("/")[0])),
];

describe("rowsWanted", () => {
  it.each([
    [{ percent: 1 }, 100, 1],
    [{ percent: 1 }, 10, 1],
    [{ percent: 10 }, 10, 1],
    [{ percent: 10 }, 11, 2],
    [{ percent: 33.33 }, 300, 100],
    [{ percent: 0.5 }, 1000, 5],
    [{ percent: 100 }, 7, 7],
    [{ percent: 50 }, 0, 0],
    [{ count: 3 }, 100, 3],
    [{ count: 300 }, 100, 300],
    [{}, 100, undefined],
  ])("%j of %d rows wants %s", (stage, available, wanted) => {
    expect(rowsWanted({ name: "s", checkpoint: "none", ...stage }, available)).toBe(wanted);
  });
});

describe("takeWholeStores", () => {
  const rows = fleet(10, 10);
  it("1% of 10 stores of 10 rows takes one whole store", () => {
    const taken = takeWholeStores(
      "7",
      rows,
      rowsWanted({ name: "s", checkpoint: "none", percent: 1 }, 100) as number,
    );
    expect(taken).toHaveLength(10);
    expect(new Set(taken.map((r) => r.store)).size).toBe(1);
  });
  it("count 11 of stores of 10 takes two whole stores (rounded up to whole stores)", () => {
    const taken = takeWholeStores("7", rows, 11);
    expect(taken).toHaveLength(20);
    expect(new Set(taken.map((r) => r.store)).size).toBe(2);
  });
  it("count 10 takes exactly one store", () => {
    expect(takeWholeStores("7", rows, 10)).toHaveLength(10);
  });
  it("more than there are takes all", () => {
    expect(takeWholeStores("7", rows, 1000)).toHaveLength(100);
  });
  it("0 takes none", () => {
    expect(takeWholeStores("7", rows, 0)).toHaveLength(0);
  });
  it("is deterministic and independent of the candidates' order", () => {
    const a = takeWholeStores("7", rows, 30).map(keyOf).sort();
    const b = takeWholeStores("7", [...rows].reverse(), 30)
      .map(keyOf)
      .sort();
    expect(a).toEqual(b);
  });
  it("spreads the choice by release: other releases pick other stores", () => {
    const picks = new Set(
      ["1", "2", "3", "4", "5", "6", "7", "8"].map((id) => takeWholeStores(id, rows, 1)[0]?.store),
    );
    expect(picks.size).toBeGreaterThan(1);
  });
  it("storeHash is stable", () => {
    expect(storeHash("7", "S01")).toBe(storeHash("7", "S01"));
    expect(storeHash("7", "S01")).not.toBe(storeHash("8", "S01"));
  });
});

describe("selectStageMembers", () => {
  it("no target, percent or count: all candidates, in listing order, not sent", () => {
    const rows = [candidate("B", "02"), candidate("A", "01"), candidate("B", "01")];
    const { members, skipped } = select([{ name: "all" }], rows);
    expect(skipped).toEqual([]);
    expect(members).toEqual(
      ["A/01", "B/01", "B/02"].map((sw) => {
        const [store, workstation] = sw.split("/") as [string, string];
        return {
          key: `${sw}/pos-client`,
          store,
          workstation,
          previousVersion: "1.0.0",
          requestId: null,
          sentAt: null,
          attempt: 0,
          // Issue 11: the row's group, for blackouts.
          group: "DE",
        };
      }),
    );
  });

  it("previousVersion is the row's active version (null: nothing installed)", () => {
    const { members } = select(
      [{ name: "all" }],
      [candidate("A", "01", { activeVersion: null, status: "OK" })],
    );
    expect(members[0]?.previousVersion).toBeNull();
  });

  it("a stage target narrows the release's target", () => {
    const rows = [candidate("1001", "01"), candidate("1001", "02"), candidate("2002", "01")];
    const { members } = select(
      [{ name: "pilot", target: { store: "1001" } }, { name: "rest" }],
      rows,
    );
    expect(members.map((m) => m.key)).toEqual(["1001/01/pos-client", "1001/02/pos-client"]);
  });

  it("the release target is applied again (rows outside it are never taken)", () => {
    const rows = [
      candidate("1001", "01", { group: "DE" }),
      candidate("2002", "01", { group: "AT" }),
    ];
    const { members } = select([{ name: "all" }], rows, 0, { target: { group: "DE" } });
    expect(members.map((m) => m.key)).toEqual(["1001/01/pos-client"]);
  });

  it("rows of another function are never taken", () => {
    const rows = [candidate("1001", "01"), { ...candidate("1001", "01"), function: "backoffice" }];
    expect(select([{ name: "all" }], rows).members).toHaveLength(1);
  });

  it("a later stage takes only rows not in an earlier stage (members and skipped)", () => {
    const rows = fleet(4, 2);
    const rel = release({
      stages: [{ name: "pilot", target: { store: "S00" } }, { name: "rest" }],
    });
    const first = selectStageMembers({
      release: rel,
      stageIndex: 0,
      candidates: rows,
      heldBy: () => undefined,
      packs: PACKS,
    });
    const started = {
      ...rel,
      stages: rel.stages.map((s, i) =>
        i === 0
          ? {
              ...s,
              state: "Successful" as const,
              members: first.members.slice(1),
              skipped: [{ key: first.members[0]?.key as string, reason: "x" }],
            }
          : s,
      ),
    };
    const second = selectStageMembers({
      release: started,
      stageIndex: 1,
      candidates: rows,
      heldBy: () => undefined,
      packs: PACKS,
    });
    expect(storesOf(second.members)).toEqual(["S01", "S02", "S03"]);
    expect(second.members).toHaveLength(6);
  });

  it("a percent stage takes whole stores: a store is never split across stages", () => {
    const rows = fleet(10, 3);
    const rel = release({
      stages: [{ name: "a", percent: 15 }, { name: "b", percent: 50 }, { name: "c" }],
    });
    let current = rel;
    const perStage: string[][] = [];
    for (let i = 0; i < 3; i++) {
      const sel = selectStageMembers({
        release: current,
        stageIndex: i,
        candidates: rows,
        heldBy: () => undefined,
        packs: PACKS,
      });
      perStage.push(storesOf(sel.members) as string[]);
      current = {
        ...current,
        stages: current.stages.map((s, j) => (j === i ? { ...s, members: sel.members } : s)),
      };
    }
    // 15% of 30 = 4.5 → 5 rows → 2 stores (6 rows); 50% of the 24 left = 12 → 4 stores; the rest 4.
    expect(perStage.map((s) => s.length)).toEqual([2, 4, 4]);
    const all = perStage.flat();
    expect(new Set(all).size).toBe(10);
  });

  it("skips rows held by another release, naming it", () => {
    const rows = [candidate("A", "01"), candidate("A", "02")];
    const held = new Map([["A/01/pos-client", { id: "3", name: "winter" }]]);
    const { members, skipped } = select([{ name: "all" }], rows, 0, { held });
    expect(skipped).toEqual([{ key: "A/01/pos-client", reason: 'in release task 3 "winter"' }]);
    expect(members.map((m) => m.key)).toEqual(["A/02/pos-client"]);
  });

  it("a row held by this same release is not skipped", () => {
    const held = new Map([["A/01/pos-client", { id: "7", name: "spring" }]]);
    expect(select([{ name: "all" }], [candidate("A", "01")], 0, { held }).members).toHaveLength(1);
  });

  it.each([
    [
      "In Progress",
      candidate("A", "01", { status: "In Progress", preferredVersion: "1.0.1" }),
      /In Progress/,
    ],
    [
      "already active",
      candidate("A", "01", { activeVersion: "1.1.0" }),
      /^1\.1\.0 is already the active version$/,
    ],
    [
      "descriptor does not allow",
      candidate("A", "01", { activeVersion: "0.9.0" }),
      /^1\.1\.0 is not allowed from 0\.9\.0/,
    ],
  ])("skips a row %s with set-preferred's reason", (_name, row, reason) => {
    const { members, skipped } = select([{ name: "all" }], [row]);
    expect(members).toEqual([]);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]?.reason).toMatch(reason);
  });

  it("skipped rows count toward a count stage's quota (they were selected)", () => {
    const rows = [candidate("A", "01", { activeVersion: "1.1.0" }), candidate("A", "02")];
    const { members, skipped } = select([{ name: "one", count: 1 }], rows);
    expect(members.length + skipped.length).toBe(2);
  });

  it("a stage target's status filter reads the candidate's status", () => {
    const rows = [candidate("A", "01", { status: "Failed" }), candidate("A", "02")];
    const { members } = select([{ name: "ok only", target: { status: "OK" } }], rows);
    expect(members.map((m) => m.key)).toEqual(["A/02/pos-client"]);
  });

  it("0 candidates: no members", () => {
    expect(select([{ name: "a", percent: 10 }], [])).toEqual({ members: [], skipped: [] });
  });
});
