import { randomBytes, scryptSync } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ServiceRow } from "@tillroll/coordinator";
import { STATUSES } from "@tillroll/protocol";

/** Seeded PRNG (mulberry32): the same fleet every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const GROUPS = ["DE/North", "DE/South", "DE/West", "AT", "CH", "NL/Randstad", "NL/North", "BE"];
const FUNCTIONS = [
  "pos-client",
  "price-sync",
  "scale-driver",
  "loyalty",
  "printer",
  "kiosk-ui",
  "fiscal",
  "payment",
  "inventory",
  "signage",
];

/**
 * A fleet of `rows` flow-service rows: 10 functions per workstation (or fewer),
 * workstations 01..10 per store, stores grouped in 8 business unit groups,
 * statuses and versions spread out, as a large retailer's would be.
 */
export function generateRows(rows: number, seed = 42, functionsPerWorkstation = 10): ServiceRow[] {
  if (!(Number.isInteger(functionsPerWorkstation) && functionsPerWorkstation >= 1))
    throw new RangeError(`functionsPerWorkstation must be 1..${FUNCTIONS.length}`);
  const perWs = Math.min(functionsPerWorkstation, FUNCTIONS.length);
  const random = prng(seed);
  const out: ServiceRow[] = [];
  for (let i = 0; i < rows; i++) {
    const wsIndex = Math.floor(i / perWs);
    const store = String(1000 + Math.floor(wsIndex / 10));
    const workstation = String((wsIndex % 10) + 1).padStart(2, "0");
    const fn = FUNCTIONS[i % perWs] as string;
    const roll = random();
    const status = roll < 0.8 ? "OK" : (STATUSES[Math.floor(random() * STATUSES.length)] ?? "OK");
    const minor = Math.floor(random() * 4);
    const planned = status !== "OK" || random() < 0.2;
    out.push({
      store,
      workstation,
      function: fn,
      activeVersion: `1.${minor}.0`,
      preferredVersion: planned ? `1.${minor + 1}.0` : null,
      status,
      phase: status === "In Progress" ? "downloading" : null,
      progress: status === "In Progress" ? 40 : null,
      reason:
        status === "Not Ready" || status === "Rolled Back" || status === "Failed"
          ? "simulated"
          : null,
      validFrom: planned
        ? new Date(Date.UTC(2026, 10, 1 + Math.floor(random() * 28), 22)).toISOString()
        : null,
      requestId: planned ? `r${i}` : null,
      group: GROUPS[Number(store) % GROUPS.length] ?? null,
      online: random() < 0.98,
      updatedAt: "2026-11-21T09:00:00.000Z",
    });
  }
  return out;
}

/** Writes a coordinator data folder holding `rows` rows, as the fleet store would have written it. */
export async function seedDataDir(dataDir: string, rows: ServiceRow[]): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  await writeFile(join(dataDir, "fleet.json"), JSON.stringify({ schemaVersion: 1, data: rows }));
}

/** The one broker password of every seeded workstation (bench only: never a real fleet's). */
export const SEEDED_PASSWORD = "bench-seeded-workstation-secret";

/**
 * Adds `ids` as enrolled workstations to the data folder's `coordinator.json`,
 * as enrolment would have written them, without 50,000 HTTP enrolments (and
 * 100,000 scrypt hashes): every workstation's agent and POS account shares
 * one hash of SEEDED_PASSWORD, in the coordinator's `scrypt$N$r$p$salt$hash`
 * encoding (broker/credentials.ts, N = 1024 as enrolment uses). Logins still
 * verify it, one scrypt each, as with enrolled tills.
 */
export async function seedWorkstations(
  dataDir: string,
  ids: readonly { store: string; workstation: string }[],
  group = "DE/North",
): Promise<void> {
  const salt = randomBytes(16);
  const hash = scryptSync(SEEDED_PASSWORD, salt, 32, { N: 1024, r: 8, p: 1 });
  const encoded = [
    "scrypt",
    1024,
    8,
    1,
    salt.toString("base64url"),
    hash.toString("base64url"),
  ].join("$");
  const enrolledAt = new Date().toISOString();
  const workstations = Object.fromEntries(
    ids.map((id) => [
      `${id.store}/${id.workstation}`,
      { ...id, group, agentSecretHash: encoded, posSecretHash: encoded, enrolledAt },
    ]),
  );
  await mkdir(dataDir, { recursive: true });
  await writeFile(
    join(dataDir, "coordinator.json"),
    JSON.stringify({
      schemaVersion: 1,
      data: { workstations, desired: {}, desiredSeq: 0, statusSeq: {} },
    }),
    { mode: 0o600 },
  );
}
