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
  /**
   * What each workstation's agent said it understands (issue 11: presence
   * `capabilities`, e.g. ["window", "redeploy"]), from its last `online`;
   * absent: it never said (an older agent). Kept across its `offline` (the
   * same agent comes back), replaced by its next `online`.
   */
  private readonly capabilities = new Map<string, readonly string[]>();

  /** Applies a presence document unless it is stale (see seqVerdict); returns the verdict. */
  apply(
    key: string,
    online: boolean,
    seq: number,
    capabilities?: readonly string[] | null,
  ): SeqVerdict {
    const verdict = seqVerdict(seq, this.state.get(key)?.seq);
    if (verdict !== "stale") {
      this.state.set(key, { online, seq });
      // An `online` without the field comes from an agent that does not know it.
      if (online) {
        if (capabilities == null) this.capabilities.delete(key);
        else this.capabilities.set(key, [...capabilities]);
      }
    }
    return verdict;
  }

  /** Capabilities known from before (the workstation records, at coordinator start). */
  restoreCapabilities(key: string, capabilities: readonly string[]): void {
    if (!this.capabilities.has(key)) this.capabilities.set(key, [...capabilities]);
  }

  /** The agent's capabilities (`store/ws`); null when it never sent any. */
  capabilitiesOf(key: string): readonly string[] | null {
    return this.capabilities.get(key) ?? null;
  }

  /** Forgets a removed workstation: a till enrolled again under its id starts its seqs afresh. */
  forget(key: string): void {
    this.state.delete(key);
    this.capabilities.delete(key);
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
