/**
 * Whether a document from an agent is newer than the last one applied from
 * the same topic. Agents number documents with `seq`, in microseconds since
 * 1970 (agent/src/engine/seq.ts), so a document with a lower seq is normally
 * a stale one (a duplicate, a retained replay, a reordered delivery) and is
 * dropped.
 *
 * A seq *far* below the last one is not stale, though: no delivery is late
 * by minutes. It is an agent that restarted without its state on a clock
 * that is behind (a dead RTC battery, often on the very till whose disk was
 * replaced), or whose clock was far ahead before and is right now. Dropping
 * it would drop that till's reports forever (shown offline while it runs),
 * so it is taken as a restart and becomes the new last seq. A restart on a
 * clock only slightly behind is not recognised, but its seqs pass the old
 * ones within RESTART_GAP by themselves.
 */

/** How far below the last seq a document must be to count as a restarted agent: 60 s in µs. */
export const RESTART_GAP = 60 * 1_000_000;

export type SeqVerdict = "newer" | "restarted" | "stale";

export function seqVerdict(seq: number, last: number | undefined): SeqVerdict {
  if (last === undefined || seq > last) return "newer";
  if (last - seq > RESTART_GAP) return "restarted";
  return "stale";
}
