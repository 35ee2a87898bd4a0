/**
 * Valid-from is coordinator time, and a till's clock may be minutes off. The
 * agent estimates offset = coordinator time - local time from documents the
 * coordinator stamps with `ts` as it sends them.
 *
 * Only *live* deliveries count: a retained message replayed on subscribe
 * (MQTT 3.1.1 §3.3.1.3: RETAIN is 1 on such deliveries) carries the time it
 * was first published, possibly hours ago, and would drag the estimate back.
 * Network delay makes every live sample a slight under-estimate (the message
 * was stamped before it arrived); on a LAN that is milliseconds.
 */
export interface ClockSample {
  /** The coordinator's `ts` on the document, ms since epoch. */
  coordinatorTs: number;
  /** Local time when it arrived, ms since epoch. */
  receivedAt: number;
  /** Whether it was a retained replay rather than a live publish. */
  retained: boolean;
}

/** The new offset after a sample, or the old one when the sample says nothing. */
export function updateClockOffset(currentOffsetMs: number, sample: ClockSample): number {
  if (sample.retained || !Number.isFinite(sample.coordinatorTs)) return currentOffsetMs;
  return sample.coordinatorTs - sample.receivedAt;
}

/** Coordinator time now, from local time and the estimated offset. */
export function coordinatorNow(localNow: number, offsetMs: number): number {
  return localNow + offsetMs;
}

/** Local time at which a coordinator instant happens, for timers. */
export function toLocalTime(coordinatorTime: number, offsetMs: number): number {
  return coordinatorTime - offsetMs;
}
