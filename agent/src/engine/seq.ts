/**
 * The seq on every document the agent sends (status, presence, maintenance,
 * notice, log). Receivers drop a document whose seq is not above the last
 * they applied, so a till whose state folder was lost or replaced and that
 * counted from 1 again would be ignored forever. Seqs are therefore
 * microseconds since 1970: a fresh state starts where the clock is, above
 * everything sent before, and `last + 1` keeps them growing when many
 * documents share a microsecond or the clock steps back.
 *
 * A clock far in the future (beyond TIME_SEQ_LIMIT, the year 2223) is not
 * trusted to set seqs: the counter alone goes on, so seqs stay below 2^53
 * (the protocol's bound). A till whose clock was far ahead and is now right,
 * or that lost its state while its clock is behind, sends seqs below its
 * old ones; the coordinator takes a seq far below the last one as an agent
 * that restarted (coordinator/src/ingest/seq-order.ts).
 */
export const TIME_SEQ_LIMIT = 8e15;

/** The seq to use now: at least `next` (the persisted counter), at least the clock in µs. */
export function nextSeq(next: number, nowMs: number): number {
  const clock = Math.floor(nowMs) * 1000;
  if (!Number.isSafeInteger(clock) || clock <= 0 || clock > TIME_SEQ_LIMIT) return next;
  return Math.max(next, clock);
}
