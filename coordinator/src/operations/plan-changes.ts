import {
  type ActionOutcome,
  allowedVersions,
  applyAction,
  NO_UPDATE,
  type OperatorAction,
  type PackVersionInfo,
  type Status,
} from "@tillroll/protocol";

/** What the planners need of a flow-service row. */
export interface RowView {
  store: string;
  workstation: string;
  function: string;
  activeVersion: string | null;
  preferredVersion: string | null;
  status: Status;
}

/** A workstation that lacks the function, for `--install` (a first install). */
export interface InstallTarget {
  store: string;
  workstation: string;
  function: string;
}

export type RowChange =
  | {
      kind: "apply";
      store: string;
      workstation: string;
      function: string;
      status: Status;
      preferredVersion: string | null;
      newRequest: boolean;
      firstInstall: boolean;
    }
  | { kind: "skip"; store: string; workstation: string; function: string; reason: string };

function key(row: { store: string; workstation: string; function: string }) {
  return { store: row.store, workstation: row.workstation, function: row.function };
}

type Allowed = Extract<ActionOutcome, { allowed: true }>;

/** The change a row's allowed action outcome turns into. */
function applied(row: RowView, outcome: Allowed): RowChange {
  return {
    kind: "apply",
    ...key(row),
    status: outcome.status,
    preferredVersion: outcome.preferredVersion,
    newRequest: outcome.newRequest,
    firstInstall: false,
  };
}

/**
 * `set-preferred` over many rows at once (the seed's bulk change), as a pure
 * plan: every row either changes or is skipped with the reason printed to
 * the operator. In Progress rows are skipped (their preferred version is
 * locked); a version a row's descriptor does not admit is skipped; "-"
 * skips a Prepared update.
 */
export function planSetPreferred(
  rows: readonly RowView[],
  version: string,
  packs: readonly PackVersionInfo[],
  installTargets: readonly InstallTarget[] = [],
): RowChange[] {
  const changes: RowChange[] = [];
  // The versions allowed from each active version, worked out once: 10,000 rows share a
  // handful of active versions, and each answer parses every pack's semver range.
  const allowedFrom = new Map<string | null, string[]>();
  const allowedOf = (active: string | null): string[] => {
    let allowed = allowedFrom.get(active);
    if (allowed === undefined) {
      allowed = allowedVersions(active, packs);
      allowedFrom.set(active, allowed);
    }
    return allowed;
  };
  for (const row of rows) {
    const action: OperatorAction =
      version === NO_UPDATE ? { kind: "skip" } : { kind: "set-preferred", version };
    // The status rule first: an In Progress row says so, whatever the version.
    const outcome = applyAction(
      { status: row.status, preferredVersion: row.preferredVersion },
      action,
    );
    if (!outcome.allowed) {
      changes.push({ kind: "skip", ...key(row), reason: outcome.reason });
      continue;
    }
    const allowed = version === NO_UPDATE ? null : allowedOf(row.activeVersion);
    if (allowed !== null && !allowed.includes(version)) {
      const why =
        row.activeVersion === version
          ? `${version} is already the active version`
          : `${version} is not allowed from ${row.activeVersion ?? "nothing installed"} (allowed: ${allowed.join(", ")})`;
      changes.push({ kind: "skip", ...key(row), reason: why });
      continue;
    }
    changes.push(applied(row, outcome));
  }
  for (const target of installTargets) {
    if (version === NO_UPDATE) continue;
    if (!allowedOf(null).includes(version)) {
      changes.push({
        kind: "skip",
        ...key(target),
        reason: `no published pack ${target.function} ${version}`,
      });
      continue;
    }
    changes.push({
      kind: "apply",
      ...key(target),
      status: "Prepared",
      preferredVersion: version,
      newRequest: true,
      firstInstall: true,
    });
  }
  return changes;
}

/** `retry` for Failed, Rolled Back and Not Ready rows: a new request, status Prepared. */
export function planRetry(rows: readonly RowView[]): RowChange[] {
  return rows.map((row) => {
    const outcome = applyAction(
      { status: row.status, preferredVersion: row.preferredVersion },
      { kind: "retry" },
    );
    if (!outcome.allowed) return { kind: "skip", ...key(row), reason: outcome.reason };
    return applied(row, outcome);
  });
}
