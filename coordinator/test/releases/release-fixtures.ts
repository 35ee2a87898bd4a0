import type { PackVersionInfo, Status } from "@tillroll/protocol";
import { rowKey } from "../../src/fleet/service-row.js";
import { newRelease } from "../../src/releases/new-release.js";
import type {
  CandidateRow,
  MemberObservation,
  MemberRecord,
  PlanInput,
  ReleaseRecord,
  ReleaseSpec,
  StageRecord,
} from "../../src/releases/release-model.js";
import { parseReleaseSpec } from "../../src/releases/release-spec.js";

/** Shared builders for the release planner's tests (no I/O). */

export const T0 = Date.parse("2026-11-30T08:00:00.000Z");
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const iso = (ms: number) => new Date(ms).toISOString();

export const PACKS: PackVersionInfo[] = [
  { version: "1.0.0" },
  { version: "1.1.0", updatableFrom: ">=1.0.0 <1.1.0" },
];

export function spec(fields: Record<string, unknown> = {}): ReleaseSpec {
  const parsed = parseReleaseSpec({
    name: "spring",
    function: "pos-client",
    version: "1.1.0",
    stages: [{ name: "all" }],
    ...fields,
  });
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

export function release(fields: Record<string, unknown> = {}, id = "7"): ReleaseRecord {
  return newRelease(id, spec(fields), "alice", T0);
}

export function candidate(store: string, workstation: string, more: Partial<CandidateRow> = {}) {
  const row: CandidateRow = {
    store,
    workstation,
    function: "pos-client",
    group: "DE",
    activeVersion: "1.0.0",
    preferredVersion: null,
    status: "OK",
    ...more,
  };
  return row;
}

/** `stores` stores (`S00`, `S01`, …) of `perStore` tills each (`01`, `02`, …). */
export function fleet(stores: number, perStore: number, more: Partial<CandidateRow> = {}) {
  const rows: CandidateRow[] = [];
  for (let s = 0; s < stores; s++) {
    for (let w = 1; w <= perStore; w++) {
      rows.push(candidate(`S${String(s).padStart(2, "0")}`, String(w).padStart(2, "0"), more));
    }
  }
  return rows;
}

export const keyOf = (row: CandidateRow) => rowKey(row);

/** What a row reports about a request. */
export function obs(
  status: Status,
  requestId: string | null,
  more: Partial<MemberObservation> = {},
): MemberObservation {
  return {
    status,
    requestId,
    activeVersion: status === "OK" ? "1.1.0" : "1.0.0",
    reason: status === "Not Ready" ? "cashier logged in" : status === "OK" ? null : "boom",
    online: true,
    okSince: status === "OK" ? T0 : null,
    ...more,
  };
}

export interface World {
  readonly observations: Map<string, MemberObservation>;
  candidates: readonly CandidateRow[] | null;
  held: Map<string, { id: string; name: string }>;
  now: number;
}

export function world(candidates: readonly CandidateRow[] | null = fleet(2, 2)): World {
  return { observations: new Map(), candidates, held: new Map(), now: T0 };
}

export function input(rel: ReleaseRecord, w: World): PlanInput {
  return {
    release: rel,
    observe: (key) => w.observations.get(key),
    candidates: w.candidates,
    heldBy: (key) => w.held.get(key),
    packs: PACKS,
    now: w.now,
  };
}

/** A member record as a started stage holds it. */
export function member(
  key: string,
  sent: { requestId: string; sentAt: number; attempt?: number } | null = null,
  previousVersion: string | null = "1.0.0",
): MemberRecord {
  const [store = "", workstation = ""] = key.split("/");
  return {
    key,
    store,
    workstation,
    previousVersion,
    requestId: sent?.requestId ?? null,
    sentAt: sent === null ? null : iso(sent.sentAt),
    attempt: sent === null ? 0 : (sent.attempt ?? 1),
  };
}

/** A release in `state` whose stages are as given (members etc.), for state × operation tables. */
export function withStages(
  rel: ReleaseRecord,
  state: ReleaseRecord["state"],
  stages: Partial<StageRecord>[],
): ReleaseRecord {
  return {
    ...rel,
    state,
    stages: rel.stages.map((stage, i) => ({ ...stage, ...(stages[i] ?? {}) })),
  };
}

/** Every member of every stage answers its own request with `status`. */
export function answerAll(
  rel: ReleaseRecord,
  w: World,
  status: Status,
  more: Partial<MemberObservation> = {},
) {
  for (const stage of rel.stages) {
    for (const m of stage.members) {
      if (m.requestId !== null) w.observations.set(m.key, obs(status, m.requestId, more));
    }
  }
}

/** The member record of `key` in any stage. */
export function memberOf(rel: ReleaseRecord, key: string): MemberRecord {
  for (const stage of rel.stages) {
    const found = stage.members.find((m) => m.key === key);
    if (found !== undefined) return found;
  }
  throw new Error(`no member ${key}`);
}

/** Row `key` answers the release's current request for it with `status`. */
export function answer(
  rel: ReleaseRecord,
  w: World,
  key: string,
  status: Status,
  more: Partial<MemberObservation> = {},
): void {
  w.observations.set(key, obs(status, memberOf(rel, key).requestId, more));
}

export const ALICE = { name: "alice", approvalRefused: null };
export const BOB = { name: "bob", approvalRefused: null };
