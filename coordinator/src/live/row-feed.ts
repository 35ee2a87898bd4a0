/**
 * Which fleet rows changed (`store/workstation/function` keys), as they
 * change: status reports applied, presence flips, console and release
 * writes, removals. Listeners are told synchronously and must be cheap (the
 * live hub only notes the keys and coalesces them); the feed keeps no
 * history, so a listener added later hears only later changes.
 */
export class RowFeed {
  private readonly listeners = new Set<(keys: readonly string[]) => void>();

  /** Tells every listener; an empty list is not passed on. */
  emit(keys: readonly string[]): void {
    if (keys.length === 0) return;
    for (const listener of this.listeners) listener(keys);
  }

  /** Adds a listener; the function returned removes it. */
  subscribe(listener: (keys: readonly string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }
}
