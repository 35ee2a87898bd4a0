// coordinator.json (StateStore): each change writes only what it touched (a draft sharing the
// live entries, each entry stringified once, only changed records checked) and is on disk,
// readable by a fresh start, when it resolves.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { changedEntriesError } from "../../src/state/changed-entries.js";
import {
  type CoordinatorState,
  emptyCoordinatorState,
  type WorkstationRecord,
} from "../../src/state/coordinator-state.js";
import { serializeStateInSlices } from "../../src/state/state-serialize.js";
import { StateStore, StateWriteError } from "../../src/state/state-store.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tillroll-state-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const quiet = () => undefined;

function record(
  store: string,
  workstation: string,
  group: string | null = "DE",
): WorkstationRecord {
  return {
    store,
    workstation,
    group,
    agentSecretHash: "$scrypt$a",
    posSecretHash: "$scrypt$b",
    enrolledAt: "2026-11-21T09:00:00.000Z",
  };
}

const entry = (version: string) => ({
  preferredVersion: version,
  validFrom: "2026-11-21T09:00:00.000Z",
  requestId: "r-0123456789ab",
  artifact: null,
});

async function collect(pieces: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const piece of pieces) out.push(piece);
  return out;
}

describe("StateStore.change", () => {
  it("resolves once the change is on disk: a fresh open reads every change back", async () => {
    const store = await StateStore.open(dir, quiet);
    await store.change((draft) => {
      draft.workstations["1001/01"] = record("1001", "01");
      draft.workstations["1001/02"] = record("1001", "02");
    });
    await store.change((draft) => {
      draft.desired["1001/01"] = { "pos-client": entry("1.1.0") };
      draft.desiredSeq = 7;
    });
    // Replaced after its text was kept: the new entry is what gets written.
    await store.change((draft) => {
      draft.desired["1001/01"] = { "pos-client": entry("1.2.0") };
      draft.workstations["1001/02"] = { ...record("1001", "02"), capabilities: ["drain"] };
    });
    const reopened = await StateStore.open(dir, quiet);
    expect(reopened.state).toEqual(store.state);
    expect(reopened.state.desired["1001/01"]?.["pos-client"]?.preferredVersion).toBe("1.2.0");
    expect(reopened.state.workstations["1001/02"]?.capabilities).toEqual(["drain"]);
    expect(reopened.state.desiredSeq).toBe(7);
  });

  it("a refused change (an entry read() would refuse) writes nothing and changes nothing", async () => {
    const store = await StateStore.open(dir, quiet);
    await store.change((draft) => {
      draft.workstations["1001/01"] = record("1001", "01");
    });
    const before = readFileSync(join(dir, "coordinator.json"), "utf8");
    const refused = store.change((draft) => {
      draft.desiredSeq = 5;
      draft.workstations["1001/02"] = { ...record("1001", "02"), agentSecretHash: 42 } as never;
    });
    await expect(refused).rejects.toBeInstanceOf(StateWriteError);
    await expect(refused).rejects.toThrow(/workstations\.1001\/02\.agentSecretHash.*not made/);
    expect(store.state.desiredSeq).toBe(0);
    expect(store.state.workstations["1001/02"]).toBeUndefined();
    expect(readFileSync(join(dir, "coordinator.json"), "utf8")).toBe(before);
    // The next change works.
    await store.change((draft) => {
      draft.desiredSeq = 6;
    });
    expect((await StateStore.open(dir, quiet)).state.desiredSeq).toBe(6);
  });

  it("a change does not copy or re-check the entries it leaves alone", async () => {
    const store = await StateStore.open(dir, quiet);
    await store.change((draft) => {
      draft.workstations["1001/01"] = record("1001", "01");
    });
    const kept = store.state.workstations["1001/01"];
    await store.change((draft) => {
      draft.workstations["1001/02"] = record("1001", "02");
    });
    // The live entry is the same object: no structuredClone of the whole state per change.
    expect(store.state.workstations["1001/01"]).toBe(kept);
  });
});

describe("changedEntriesError", () => {
  const live: CoordinatorState = {
    ...emptyCoordinatorState(),
    workstations: { "1001/01": record("1001", "01") },
  };

  it.each([
    ["nothing changed", () => ({ ...live }), null],
    [
      "a well-formed new record",
      () => ({ ...live, workstations: { ...live.workstations, "1001/02": record("1001", "02") } }),
      null,
    ],
    [
      "a record with a bad field",
      () => ({
        ...live,
        workstations: { ...live.workstations, "1001/02": { ...record("1001", "02"), group: 7 } },
      }),
      /^workstations\.1001\/02\.group: /,
    ],
    [
      "bad document fields",
      () => ({ ...live, desiredFields: { "1001/01": { maintenance: "on" } } }),
      /^desiredFields\.1001\/01\.maintenance: /,
    ],
    ["a negative desiredSeq", () => ({ ...live, desiredSeq: -1 }), /^desiredSeq: /],
  ] as const)("%s", (_name, draft, expected) => {
    const error = changedEntriesError(live, draft() as unknown as CoordinatorState);
    if (expected === null) expect(error).toBeNull();
    else expect(error).toMatch(expected);
  });

  it("an entry left as it is is not checked again (it was when it came in)", () => {
    // Only possible through a fault; shows that the check is of what changed, not of all.
    const damaged = { ...record("1001", "01"), group: 7 } as unknown as WorkstationRecord;
    const withDamaged = { ...live, workstations: { "1001/01": damaged } };
    expect(changedEntriesError(withDamaged, { ...withDamaged, desiredSeq: 1 })).toBeNull();
  });
});

describe("serializeStateInSlices", () => {
  it("writes what JSON.stringify of the envelope holds, undefined fields left out", async () => {
    const state = {
      workstations: { "1001/01": record("1001", "01"), "1001/02": record("1001", "02", null) },
      desired: { "1001/01": { "pos-client": entry("1.1.0") } },
      desiredSeq: 3,
      desiredFields: undefined,
      statusSeq: { "1001/01": 4, "1001/02": undefined },
    };
    const text = (await collect(serializeStateInSlices(1, state, new WeakMap()))).join("");
    expect(text.endsWith("\n")).toBe(true);
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify({ schemaVersion: 1, data: state })));
  });

  it("an entry's text is kept by identity; a replaced entry is stringified afresh", async () => {
    const texts = new WeakMap<object, string>();
    const first = record("1001", "01");
    await collect(serializeStateInSlices(1, { workstations: { a: first } }, texts));
    expect(texts.get(first)).toBe(JSON.stringify(first));
    const second = { ...first, group: "AT" };
    const text = (
      await collect(serializeStateInSlices(1, { workstations: { a: second } }, texts))
    ).join("");
    expect(JSON.parse(text).data.workstations.a.group).toBe("AT");
  });

  it("30,000 tills are written in several pieces, the event loop free between them", async () => {
    const workstations: Record<string, WorkstationRecord> = {};
    for (let i = 0; i < 30_000; i++) workstations[`s${i}/01`] = record(`s${i}`, "01");
    let turns = 0;
    const timer = setInterval(() => turns++, 0);
    const pieces = await collect(
      serializeStateInSlices(1, { ...emptyCoordinatorState(), workstations }, new WeakMap()),
    );
    clearInterval(timer);
    expect(pieces.length).toBeGreaterThan(1);
    expect(turns).toBeGreaterThan(0);
    expect(Object.keys(JSON.parse(pieces.join("")).data.workstations)).toHaveLength(30_000);
  });
});
