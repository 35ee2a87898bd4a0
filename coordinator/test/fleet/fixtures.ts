import type { Phase, Status } from "@tillroll/protocol";
import { rowKey, type ServiceRow } from "../../src/fleet/service-row.js";

/** A valid row with every field defaulted; `over` replaces any of them. */
export function makeRow(over: Partial<ServiceRow> = {}): ServiceRow {
  return {
    store: "1001",
    workstation: "01",
    function: "pos-client",
    activeVersion: "1.0.0",
    preferredVersion: null,
    status: "OK",
    phase: null,
    progress: null,
    reason: null,
    validFrom: null,
    requestId: null,
    group: "DE/North",
    online: true,
    updatedAt: "2026-02-20T08:00:00.000Z",
    ...over,
  };
}

export const keysOf = (rows: readonly ServiceRow[]): string[] => rows.map(rowKey);

const GROUP_OF_STORE: Record<string, string> = {
  "1001": "DE/North",
  "1002": "DE/South",
  "2001": "AT",
};

type Line = [
  key: string,
  active: string | null,
  preferred: string | null,
  status: Status,
  validFrom: string | null,
  detail?: { phase?: Phase; progress?: number; reason?: string; online?: boolean },
];

const REASON: Partial<Record<Status, string>> = {
  "Not Ready": "user alice logged in on till 01",
  "Rolled Back": "health check failed: http://localhost:8080/health returned 503",
  Failed: "rollback failed: start script exited with 1",
};

/**
 * 3 stores × 4 workstations × 2 functions. Stores: 1001 in DE/North, 1002 in
 * DE/South, 2001 in AT. Expected keys in the tests are written by hand
 * against this table.
 */
const LINES: Line[] = [
  ["1001/01/pos-client", "1.0.0", "1.1.0", "Prepared", "2026-03-01T06:00:00.000Z"],
  ["1001/01/price-service", "2.0.0", null, "OK", null],
  [
    "1001/02/pos-client",
    "1.0.0",
    "1.1.0",
    "In Progress",
    "2026-03-01T06:00:00.000Z",
    { phase: "downloading", progress: 37 },
  ],
  ["1001/02/price-service", "2.0.0", "2.1.0", "Not Ready", "2026-03-02T22:00:00.000Z"],
  ["1001/03/pos-client", "1.1.0", null, "OK", null],
  ["1001/03/price-service", "2.0.0", "2.1.0", "Rolled Back", "2026-03-02T22:00:00.000Z"],
  ["1001/04/pos-client", "1.0.0", "1.1.0", "Failed", "2026-03-01T06:00:00.000Z"],
  ["1001/04/price-service", null, "2.1.0", "Prepared", "2026-03-05T00:00:00.000Z"],
  ["1002/01/pos-client", "1.1.0", null, "OK", null],
  ["1002/01/price-service", "2.1.0", null, "OK", null],
  [
    "1002/02/pos-client",
    "1.0.0",
    "1.1.0",
    "Not Ready",
    "2026-03-01T06:00:00.000Z",
    { reason: "transaction 4711 in progress" },
  ],
  ["1002/02/price-service", "2.0.0", "2.1.0", "Prepared", "2026-03-03T12:00:00.000Z"],
  ["1002/03/pos-client", "1.0.0", "1.1.0", "Prepared", "2026-03-04T00:00:00.000Z"],
  ["1002/03/price-service", "2.1.0", null, "OK", null],
  [
    "1002/04/pos-client",
    "1.0.0",
    "1.2.0-rc.1",
    "In Progress",
    "2026-02-28T23:00:00.000Z",
    { phase: "installing" },
  ],
  ["1002/04/price-service", "2.0.0", "2.1.0", "Failed", "2026-03-03T12:00:00.000Z"],
  ["2001/01/pos-client", "1.1.0", null, "OK", null],
  ["2001/01/price-service", "2.1.0", null, "OK", null],
  ["2001/02/pos-client", "1.0.0", "1.1.0", "Rolled Back", "2026-03-01T06:00:00.000Z"],
  [
    "2001/02/price-service",
    "2.0.0",
    "2.1.0",
    "In Progress",
    "2026-03-03T12:00:00.000Z",
    { phase: "starting" },
  ],
  ["2001/03/pos-client", "1.0.0", "1.1.0", "Prepared", "2026-03-05T00:00:00.000Z"],
  ["2001/03/price-service", "2.0.0", null, "OK", null],
  ["2001/04/pos-client", "1.1.0", null, "OK", null, { online: false }],
  ["2001/04/price-service", "2.1.0", null, "OK", null, { online: false }],
];

export const FLEET_24: readonly ServiceRow[] = LINES.map(
  ([key, activeVersion, preferredVersion, status, validFrom, detail = {}]) => {
    const [store, workstation, fn] = key.split("/") as [string, string, string];
    return makeRow({
      store,
      workstation,
      function: fn,
      activeVersion,
      preferredVersion,
      status,
      validFrom,
      phase: detail.phase ?? null,
      progress: detail.progress ?? null,
      reason: detail.reason ?? REASON[status] ?? null,
      requestId: preferredVersion === null ? null : `req-${store}-${workstation}`,
      group: GROUP_OF_STORE[store] ?? null,
      online: detail.online ?? true,
    });
  },
);

/** A small deterministic PRNG (mulberry32), so random tests repeat exactly. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

/**
 * Enough groups that a subtree like DE/North holds less than an eighth of
 * the fleet (so group queries use the group index) while DE holds more (so
 * they scan), with names that share text but not ancestry (`DE North`,
 * `DE-X`, `DEX`): they sort between `DE` and `DE/…`.
 */
export const RANDOM_GROUPS: readonly (string | null)[] = [
  "DE",
  "DE/North",
  "DE/North/Hamburg",
  "DE/North/Bremen",
  "DE/South",
  "DE/South/Munich",
  "DE/West",
  "DE North",
  "DE-X",
  "DEX",
  "DEX/1",
  "AT",
  "AT/Wien",
  "AT/Graz",
  "CH",
  "CH/Zurich",
  "FR",
  "FR/Paris",
  "NL",
  "BE",
  "PL",
  "CZ",
  null,
];
export const RANDOM_FUNCTIONS = ["pos-client", "price-service", "scale", "kiosk-ui"] as const;
export const RANDOM_VERSIONS: readonly (string | null)[] = [
  "1.0.0",
  "1.1.0",
  "1.2.0-rc.1",
  "2.0.0",
  "2.1.0",
  null,
];
const RANDOM_STATUSES: readonly Status[] = [
  "OK",
  "OK",
  "OK",
  "OK",
  "Prepared",
  "In Progress",
  "Not Ready",
  "Rolled Back",
  "Failed",
];
const RANDOM_PHASES: readonly Phase[] = ["downloading", "installing", "health-check"];
export const MARCH_2026 = Date.parse("2026-03-01T00:00:00.000Z");
const HOUR_MS = 60 * 60 * 1000;

/**
 * `count` rows (rounded up to whole stores): stores `S00000`, `S00001`, …,
 * 5 workstations × 4 functions each, everything else drawn from `random`.
 */
export function randomFleet(count: number, random: () => number): ServiceRow[] {
  const rows: ServiceRow[] = [];
  for (let s = 0; rows.length < count; s++) {
    const store = `S${String(s).padStart(5, "0")}`;
    const group = pick(random, RANDOM_GROUPS);
    for (let w = 1; w <= 5; w++) {
      for (const fn of RANDOM_FUNCTIONS) {
        const status = pick(random, RANDOM_STATUSES);
        const preferredVersion = status === "OK" ? null : pick(random, RANDOM_VERSIONS);
        const validFrom =
          preferredVersion === null && random() < 0.8
            ? null
            : new Date(MARCH_2026 + Math.floor(random() * 31 * 24) * HOUR_MS).toISOString();
        rows.push(
          makeRow({
            store,
            workstation: String(w).padStart(2, "0"),
            function: fn,
            activeVersion: pick(random, RANDOM_VERSIONS),
            preferredVersion,
            status,
            phase: status === "In Progress" ? pick(random, RANDOM_PHASES) : null,
            progress: status === "In Progress" ? Math.floor(random() * 100) : null,
            reason: REASON[status] ?? null,
            validFrom,
            group,
            online: random() < 0.9,
          }),
        );
      }
    }
  }
  return rows;
}
