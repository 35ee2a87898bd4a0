import type { SessionDocument, SessionRelease } from "@tillroll/protocol";

/**
 * Tells a live POS session from one a crashed POS left behind. Pure: the
 * agent passes in what it knows (the retained session document, the POS's
 * presence from the `pos` topic, the operator's release from the desired
 * document, whether the request is forced) and gets a verdict with the
 * words for the status reason and the log.
 */

/** The POS's presence as the agent keeps it (agent state `pos`). */
export interface PosPresence {
  state: "online" | "offline";
  /** seq of the `pos` document that said so. */
  seq: number;
  /**
   * When this agent first saw that state (ISO 8601). Not the document's `ts`:
   * a last will is armed when the POS connects, so its `ts` is the connect
   * time, not the moment the POS died.
   */
  since: string;
}

export interface SessionView {
  /** The POS's latest retained session document; null: no POS integration on this till. */
  session: SessionDocument | null;
  /** The POS's presence; null: it never published one (an older POS counts as live). */
  pos: PosPresence | null;
  /** The operator's release of a stale session (desired `sessionRelease`). */
  release: SessionRelease | null | undefined;
  /** The request carries `drain.force`: a stale session does not hold it up. */
  forced: boolean;
  workstation: string;
  /** How a time shows in a reason ("10:42"). */
  formatTime: (iso: string) => string;
}

export type SessionVerdict =
  /** Nobody logged in and no transaction (or no session document at all). */
  | { kind: "free" }
  /** The POS is live and busy: wait. */
  | { kind: "busy"; reason: string }
  /** The POS went offline with users or a transaction: wait for it, or for the way out. */
  | { kind: "stale"; reason: string; since: string }
  /** Stale, and the operator released it, or the request is forced: go on, and say so. */
  | { kind: "passed"; note: string };

/** Every cause, in the words a person at the till understands. */
export function sessionCauses(session: SessionDocument, workstation: string | null): string[] {
  const causes: string[] = [];
  const { users } = session;
  if (users.length > 0) {
    const who = users.length === 1 ? `user ${users[0]}` : `users ${users.join(", ")}`;
    causes.push(
      workstation === null ? `${who} logged in` : `${who} logged in on till ${workstation}`,
    );
  }
  if (session.transactionInProgress) causes.push("transaction in progress");
  return causes;
}

export function sessionVerdict(view: SessionView): SessionVerdict {
  const { session, pos } = view;
  if (session === null) return { kind: "free" };
  const live = pos === null || pos.state === "online";
  if (live) {
    const causes = sessionCauses(session, view.workstation);
    return causes.length === 0 ? { kind: "free" } : { kind: "busy", reason: causes.join("; ") };
  }
  const causes = sessionCauses(session, null);
  if (causes.length === 0) return { kind: "free" };
  const since = view.formatTime(pos.since);
  const what = `POS session stale since ${since} (${causes.join("; ")})`;
  const release = view.release;
  if (release != null && session.seq <= release.sessionSeq)
    return {
      kind: "passed",
      note: `${what}: released by ${release.by} at ${release.at} (session seq ${session.seq} <= ${release.sessionSeq})`,
    };
  if (view.forced) return { kind: "passed", note: `${what}: the forced request goes on past it` };
  return { kind: "stale", reason: what, since: pos.since };
}

/** "10:42" in the agent's local time zone (the till's, which is the store's). */
export function localClockTime(iso: string): string {
  const date = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/**
 * The POS presence after a `pos` document: a higher seq replaces it; `since`
 * stays when the state did not change (the same retained document arrives
 * again after every reconnect). Returns null when the document is ignored.
 */
export function nextPosPresence(
  current: PosPresence | null,
  doc: { seq: number; state: "online" | "offline" },
  nowIso: string,
): PosPresence | null {
  if (current !== null && doc.seq <= current.seq) return null;
  const since = current !== null && current.state === doc.state ? current.since : nowIso;
  return { state: doc.state, seq: doc.seq, since };
}
