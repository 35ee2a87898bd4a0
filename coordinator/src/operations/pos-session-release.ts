import type { SessionRelease } from "@tillroll/protocol";
import type { Operator } from "../accounts/identity.js";
import { roleAllows } from "../accounts/roles.js";
import { checkChangeScope } from "../accounts/scope.js";
import { rowKey, type ServiceRow } from "../fleet/service-row.js";
import type { ReleaseResult } from "../releases/release-console.js";
import type { ReleaseRecord } from "../releases/release-model.js";
import { wsKey } from "../state/coordinator-state.js";
import { type OperationsDeps, recordAction } from "./operations-deps.js";

/** What the agent's status reason says of a session a crashed POS left (readiness/pos-session.ts). */
export const STALE_SESSION_MARK = "POS session stale since";

/** Refusals carry the code the HTTP layer answers with (as the release console's). */
type Outcome<T> = ReleaseResult<T>;
const refused = (code: "invalid" | "forbidden" | "not-found", error: string) =>
  ({ ok: false, code, error }) as const;

/** The capability an agent lists when it understands desired `sessionRelease`. */
export const SESSION_RELEASE_CAPABILITY = "session-release";

export interface PosSessionReleaseRequest {
  store: string;
  workstation: string;
  reason: string;
  /** Release even though no row's reason says the session is stale. */
  force: boolean;
}

export interface PosSessionReleaseResult {
  store: string;
  workstation: string;
  release: SessionRelease;
  /** The status reasons that said the session is stale ([] with force). */
  staleRows: string[];
}

export interface PosSessionReleaseDeps
  extends Pick<
    OperationsDeps,
    "workstations" | "desiredState" | "fleet" | "audit" | "desired" | "now"
  > {
  /** A release task by id (the forced-task rule). */
  release: (id: string) => Promise<ReleaseRecord | undefined>;
  /** What the workstation's agent said it understands; null: never said. */
  capabilitiesOf: (key: string) => readonly string[] | null;
  /** The `seq` of the POS session document the broker retains for the workstation; null: none. */
  sessionSeqOf: (ref: { store: string; workstation: string }) => Promise<number | null>;
}

/**
 * `tillroll pos-session release 1001/01`: the audited way out of a POS
 * session a crashed POS left behind (issue 13). The release names the seq of
 * the session document the broker retains now, read at release time: the
 * agent ends exactly that session (and older ones) and only while the POS is
 * offline, so a later login on a POS that came back is never released by it.
 *
 * Who: an admin, or an operator when a row of the workstation runs a request
 * of a forced release task. Refused unless a row's status reason says the
 * session is stale, unless `force`.
 */
export async function releasePosSession(
  deps: PosSessionReleaseDeps,
  request: PosSessionReleaseRequest,
  who: Operator,
): Promise<Outcome<PosSessionReleaseResult>> {
  const ref = { store: request.store, workstation: request.workstation };
  const key = wsKey(ref);
  const ws = await deps.workstations.get(ref);
  if (ws === undefined) return refused("not-found", notEnrolled(key));
  const inScope = checkChangeScope(who, [ws]);
  if (!inScope.ok) return refused("forbidden", inScope.error);
  const rows = await deps.fleet.query({ store: [ref.store], workstation: [ref.workstation] });
  if (!roleAllows(who.role, "admin") && !(await runsForcedRequest(deps, rows)))
    return refused(
      "forbidden",
      `pos-session release needs the admin role, or a row of ${key} running a request of a forced release task; you are ${who.role}`,
    );
  const stale = rows.filter((row) => row.reason?.includes(STALE_SESSION_MARK) === true);
  if (stale.length === 0 && !request.force)
    return refused(
      "invalid",
      `the POS session of ${key} is not reported stale (no status reason says "${STALE_SESSION_MARK}"); pass --force to release it anyway`,
    );
  const capabilities = deps.capabilitiesOf(key);
  if (!capabilities?.includes(SESSION_RELEASE_CAPABILITY))
    return refused(
      "invalid",
      `the agent of ${key} does not understand a session release (capability ${SESSION_RELEASE_CAPABILITY}); update the agent first`,
    );
  const sessionSeq = await deps.sessionSeqOf(ref);
  if (sessionSeq === null)
    return refused(
      "invalid",
      `no POS session document is retained for ${key}: there is no session to release`,
    );
  const before = (await deps.desiredState.fieldsOf(ref)).sessionRelease ?? null;
  const release: SessionRelease = {
    sessionSeq,
    by: who.name,
    at: new Date(deps.now()).toISOString(),
  };
  // Write before you act: the release and the seq of the document carrying it are durable first.
  const seq = await deps.desiredState.setFields(ref, { sessionRelease: release });
  if (seq === undefined) return refused("not-found", notEnrolled(key));
  await deps.desired.send([ref], seq);
  const staleRows = stale.map((row) => `${rowKey(row)}: ${row.reason}`);
  await recordAction(
    deps,
    who,
    "pos-session release",
    {
      store: ref.store,
      workstation: ref.workstation,
      group: ws.group,
      reason: request.reason,
      force: request.force,
      from: before,
      to: release,
      staleRows,
    },
    [key],
    0,
  );
  return {
    ok: true,
    value: { store: ref.store, workstation: ref.workstation, release, staleRows },
  };
}

function notEnrolled(key: string): string {
  return `workstation ${key} is not enrolled (tillroll workstation list shows the enrolled ones)`;
}

/** Whether a row's current request was sent by a forced release task (`rel{id}-…`, see requestIdFor). */
async function runsForcedRequest(
  deps: Pick<PosSessionReleaseDeps, "release">,
  rows: readonly ServiceRow[],
): Promise<boolean> {
  for (const row of rows) {
    const id = /^rel([^-]+)-/.exec(row.requestId ?? "")?.[1];
    if (id === undefined) continue;
    const task = await deps.release(id);
    if (task?.spec.forced !== true) continue;
    const member = task.stages
      .flatMap((stage) => stage.members)
      .some((m) => m.key === rowKey(row) && m.requestId === row.requestId);
    if (member) return true;
  }
  return false;
}
