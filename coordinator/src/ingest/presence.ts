import { type SeqVerdict, seqVerdict } from "./seq-order.js";

/**
 * Whether each workstation's agent is connected, from its presence documents
 * (`offline` is its last will). Kept apart from the fleet rows: a store-wide
 * outage flips thousands of workstations twice, and rewriting ten rows per
 * workstation each time would cost more than the outage itself. Rows show
 * presence when they are read.
 */
export class Presence {
  private readonly state = new Map<string, { online: boolean; seq: number }>();

  /** Applies a presence document unless it is stale (see seqVerdict); returns the verdict. */
  apply(key: string, online: boolean, seq: number): SeqVerdict {
    const verdict = seqVerdict(seq, this.state.get(key)?.seq);
    if (verdict !== "stale") this.state.set(key, { online, seq });
    return verdict;
  }

  /** Forgets a removed workstation: a till enrolled again under its id starts its seqs afresh. */
  forget(key: string): void {
    this.state.delete(key);
  }

  isOnline(key: string): boolean {
    return this.state.get(key)?.online ?? false;
  }

  onlineCount(): number {
    let count = 0;
    for (const entry of this.state.values()) if (entry.online) count += 1;
    return count;
  }
}
