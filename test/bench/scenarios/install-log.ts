/**
 * Reads an update's timeline from the agent's own log. The daemon prints
 * every line with an ISO timestamp (millisecond resolution, wall clock of
 * the same machine as the benchmark) and logs `<fn>: step A -> B` right
 * after step A finished, before it journals B and runs it:
 *
 *   fetch -> unpack          download + streaming sha256, fsync, rename
 *   unpack -> await-ready    extract into staging, descriptor check, move into releases/
 *   await-ready -> pre-hook  readiness probes
 *   pre-hook -> stop         maintenance on, beforeInstall hook
 *   stop -> switch           the old service is stopped
 *   switch -> post-hook      current -> releases/NEW
 *   post-hook -> start       afterInstall hook
 *   start -> verify          the new service is started
 *   verify -> commit         the health check passed
 *   (then commit: prune, maintenance off, status OK)
 */

export interface StepMark {
  at: number;
  from: string;
  to: string;
}

const STEP_LINE = /^(\S+) (\S+): step (\S+) -> (\S+)/;

/** `fn`'s step transitions in `lines`, at or after `since` (epoch ms). */
export function stepMarks(lines: readonly string[], fn: string, since: number): StepMark[] {
  const marks: StepMark[] = [];
  for (const line of lines) {
    const match = STEP_LINE.exec(line);
    if (match === null || match[2] !== fn) continue;
    const at = Date.parse(match[1] as string);
    if (Number.isNaN(at) || at < since) continue;
    marks.push({ at, from: match[3] as string, to: match[4] as string });
  }
  return marks;
}

/** When the step `from -> to` was logged; throws naming the missing line. */
export function markAt(marks: readonly StepMark[], from: string, to: string): number {
  const mark = marks.find((m) => m.from === from && m.to === to);
  if (mark === undefined)
    throw new Error(
      `agent log has no "step ${from} -> ${to}" (saw: ${marks.map((m) => `${m.from} -> ${m.to}`).join(", ") || "none"})`,
    );
  return mark.at;
}

const ACCEPTED_LINE = /^(\S+) desired document seq \d+ accepted/;

/** When the agent accepted a desired document, the first time at or after `since`. */
export function acceptedAt(lines: readonly string[], since: number): number | undefined {
  for (const line of lines) {
    const match = ACCEPTED_LINE.exec(line);
    const at = match === null ? Number.NaN : Date.parse(match[1] as string);
    if (at >= since) return at;
  }
  return undefined;
}

export interface InstallPhases {
  /** From publishing the desired document until the agent accepted it (MQTT, signature, journal). */
  acceptMs: number;
  /** Download with streaming sha256, fsync and rename. */
  downloadMs: number;
  /** Extract into staging, descriptor check, move into releases/. */
  extractMs: number;
  /** Readiness probes and the beforeInstall hook (maintenance on). */
  prepareMs: number;
  /** The stop step: from the agent deciding to stop until the old service is gone. */
  stopMs: number;
  /** Switch, afterInstall hook and start of the new service. */
  switchStartMs: number;
  healthMs: number;
  /** Commit (prune, discard the download, maintenance off) and the OK status reaching the watcher. */
  commitReportMs: number;
  /**
   * The service's downtime: from the line that ends pre-hook (the stop step
   * begins; the old service is still up) to the line that ends verify (the
   * new one passed its health check). An upper bound of "stopped -> healthy"
   * by the stop step's own duration, which is reported apart as stopMs.
   */
  downtimeMs: number;
}

/**
 * Splits `fn`'s update, published at `wantAt` and seen OK at `okAt` (epoch
 * ms), into phases from the agent's log `lines`.
 */
export function installPhases(
  lines: readonly string[],
  fn: string,
  wantAt: number,
  okAt: number,
): InstallPhases {
  // Log lines carry whole milliseconds: allow the floor of wantAt.
  const since = Math.floor(wantAt);
  const marks = stepMarks(lines, fn, since);
  const accepted = acceptedAt(lines, since);
  if (accepted === undefined) throw new Error("agent log has no accepted desired document");
  const fetched = markAt(marks, "fetch", "unpack");
  const unpacked = markAt(marks, "unpack", "await-ready");
  const stopping = markAt(marks, "pre-hook", "stop");
  const stopped = markAt(marks, "stop", "switch");
  const started = markAt(marks, "start", "verify");
  const healthy = markAt(marks, "verify", "commit");
  return {
    acceptMs: accepted - wantAt,
    downloadMs: fetched - accepted,
    extractMs: unpacked - fetched,
    prepareMs: stopping - unpacked,
    stopMs: stopped - stopping,
    switchStartMs: started - stopped,
    healthMs: healthy - started,
    commitReportMs: okAt - healthy,
    downtimeMs: healthy - stopping,
  };
}
