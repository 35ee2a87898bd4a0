import { type DesiredDocument, encodePayload } from "@tillroll/protocol";
import { describe, expect, it } from "vitest";
import { desired, entry } from "./sim-fixtures.js";
import { drawPlan, mulberry32, seedFor } from "./sim-random.js";
import {
  initialState,
  NOT_READY_REASON,
  onDesired,
  onWake,
  ROLLBACK_REASON,
  type SimConfig,
  type SimState,
  statusDocument,
} from "./sim-workstation.js";

/**
 * The simulated workstation's decisions, table-driven: a desired document
 * and a local state in, the statuses it reports out, timers fired when due.
 */

const REF = { store: "1001", workstation: "01" };
const T0 = Date.parse("2026-11-21T22:00:00.000Z");
const CONFIG: SimConfig = {
  functionName: "pos-client",
  installMs: { min: 100, max: 100 },
  notReadyShare: 0,
  notReadyMs: 500,
  failureShare: 0,
};

/** Applies `doc` at T0, then fires every timer when due; the statuses reported, in order. */
function statusSequence(state: SimState, doc: DesiredDocument, config = CONFIG) {
  const first = onDesired(state, doc, REF, config, T0);
  const seen: string[] = first.changed ? [label(first.state)] : [];
  let current = first.state;
  for (let guard = 0; current.wakeAt !== null && guard < 10; guard++) {
    const next = onWake(current, REF, config, current.wakeAt);
    expect(next.changed).toBe(true);
    current = next.state;
    seen.push(label(current));
    const encoded = encodePayload("status", statusDocument(current, REF, "pos-client", 1, T0));
    expect(encoded.ok, encoded.ok ? "" : encoded.error).toBe(true);
  }
  return { seen, state: current, verdict: first.verdict };
}

function label(state: SimState): string {
  const { status, phase, activeVersion } = state.service;
  return `${status}${phase === null ? "" : `/${phase}`} ${activeVersion ?? "-"}`;
}

describe("sim-workstation decisions", () => {
  const ok100 = initialState("1.0.0", 1, T0);
  const cases: {
    name: string;
    state?: SimState;
    doc: DesiredDocument;
    config?: Partial<SimConfig>;
    verdict?: string;
    seen: string[];
  }[] = [
    {
      name: "new version: Prepared, downloading, installing, OK on it",
      doc: desired(5, entry("1.1.0")),
      seen: [
        "Prepared 1.0.0",
        "In Progress/downloading 1.0.0",
        "In Progress/installing 1.0.0",
        "OK 1.1.0",
      ],
    },
    {
      name: "a busy till: Not Ready first, then the update",
      doc: desired(5, entry("1.1.0")),
      config: { notReadyShare: 1 },
      seen: [
        "Prepared 1.0.0",
        "Not Ready 1.0.0",
        "In Progress/downloading 1.0.0",
        "In Progress/installing 1.0.0",
        "OK 1.1.0",
      ],
    },
    {
      name: "a failing health check: Rolled Back, active unchanged",
      doc: desired(5, entry("1.1.0")),
      config: { failureShare: 1 },
      seen: [
        "Prepared 1.0.0",
        "In Progress/downloading 1.0.0",
        "In Progress/installing 1.0.0",
        "Rolled Back 1.0.0",
      ],
    },
    { name: "preferred null: OK", doc: desired(5, entry(null)), seen: ["OK 1.0.0"] },
    { name: "preferred = active: OK", doc: desired(5, entry("1.0.0")), seen: ["OK 1.0.0"] },
    {
      name: "a document for another till is refused",
      doc: desired(5, entry("1.1.0"), { store: "1001", workstation: "02" }),
      verdict: "foreign",
      seen: [],
    },
    {
      name: "a seq not above the last applied is dropped",
      state: { ...ok100, desiredSeq: 5 },
      doc: desired(5, entry("1.1.0")),
      verdict: "stale",
      seen: [],
    },
    {
      name: "the same request again (republished) changes nothing",
      state: {
        ...ok100,
        desiredSeq: 5,
        service: {
          ...ok100.service,
          preferredVersion: "1.1.0",
          requestId: "r-1",
          status: "Rolled Back",
          reason: "x",
        },
      },
      doc: desired(6, entry("1.1.0")),
      seen: ["Rolled Back 1.0.0"],
    },
    {
      name: "a document without our service leaves it alone",
      doc: desired(5, undefined),
      seen: ["OK 1.0.0"],
    },
  ];

  it.each(cases)("$name", ({ state, doc, config, verdict, seen }) => {
    const run = statusSequence(state ?? ok100, doc, { ...CONFIG, ...config });
    expect(run.verdict).toBe(verdict ?? "applied");
    expect(run.seen).toEqual(seen);
  });

  it("waits for validFrom, reports reasons, and reports a Not Ready reason naming the till", () => {
    const later = new Date(T0 + 60_000).toISOString();
    const busyConfig = { ...CONFIG, notReadyShare: 1 };
    const prepared = onDesired(
      ok100,
      desired(5, entry("1.1.0", "r-2", later)),
      REF,
      busyConfig,
      T0,
    );
    expect(prepared.state.service.status).toBe("Prepared");
    expect(prepared.state.wakeAt).toBe(T0 + 60_000);
    expect(onWake(prepared.state, REF, CONFIG, T0 + 59_999).changed).toBe(false);
    const busy = onWake(prepared.state, REF, busyConfig, T0 + 60_000);
    expect(busy.state.service).toMatchObject({
      status: "Not Ready",
      reason: NOT_READY_REASON("01"),
    });
    expect(busy.state.service.reason).toBe("user sim logged in on till 01");
    expect(
      statusSequence(ok100, desired(5, entry("1.1.0")), { ...CONFIG, failureShare: 1 }).state
        .service.reason,
    ).toBe(ROLLBACK_REASON);
  });

  it("a new request while In Progress waits until the update ends", () => {
    const started = onDesired(ok100, desired(5, entry("1.1.0", "r-1")), REF, CONFIG, T0).state;
    const downloading = onWake(started, REF, CONFIG, T0).state;
    expect(downloading.service.status).toBe("In Progress");
    const queued = onDesired(downloading, desired(6, entry("1.2.0", "r-2")), REF, CONFIG, T0 + 10);
    expect(queued.state.service).toMatchObject({
      status: "In Progress",
      preferredVersion: "1.1.0",
    });
    expect(queued.state.desiredSeq).toBe(6);
    let state = queued.state;
    while (state.service.status === "In Progress")
      state = onWake(state, REF, CONFIG, state.wakeAt ?? 0).state;
    expect(state.service).toMatchObject({
      status: "Prepared",
      activeVersion: "1.1.0",
      preferredVersion: "1.2.0",
    });
  });

  it("the generator repeats, and shares come out near their value", () => {
    expect(mulberry32(42)).toEqual(mulberry32(42));
    expect(seedFor(1, 0)).not.toBe(seedFor(1, 1));
    const shares = { ...CONFIG, notReadyShare: 0.3, failureShare: 0.1 };
    let fails = 0;
    let busy = 0;
    for (let index = 0; index < 10_000; index++) {
      const { plan } = drawPlan(seedFor(7, index), shares);
      expect(drawPlan(seedFor(7, index), shares).plan).toEqual(plan);
      fails += plan.fails ? 1 : 0;
      busy += plan.notReadyMs > 0 ? 1 : 0;
    }
    expect(fails / 10_000).toBeCloseTo(0.1, 1);
    expect(busy / 10_000).toBeCloseTo(0.3, 1);
  });
});
