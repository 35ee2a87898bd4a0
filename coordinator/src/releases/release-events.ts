import type { HistoryEntry, ReleaseEvent } from "./release-model.js";

export type ReleaseListener = (event: ReleaseEvent) => void;

/**
 * The release events of one runner (stage started, waiting, ended,
 * threshold crossed, release ended), for listeners such as a later issue's
 * e-mail and webhooks. A listener that throws is logged and does not stop
 * the others. Also the log line of each history entry (describeHistory).
 */
export class ReleaseEvents {
  private readonly listeners: ReleaseListener[] = [];

  constructor(private readonly log: (message: string) => void) {}

  /** Adds a listener; returns the function that removes it. */
  on(listener: ReleaseListener): () => void {
    this.listeners.push(listener);
    return () => {
      const index = this.listeners.indexOf(listener);
      if (index >= 0) this.listeners.splice(index, 1);
    };
  }

  emit(event: ReleaseEvent): void {
    this.log(describeEvent(event));
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.log(`release ${event.release}: a ${event.type} listener failed: ${String(error)}`);
      }
    }
  }
}

/** One log line per event: `release 3: stage pilot started with 2 rows`. */
export function describeEvent(event: ReleaseEvent): string {
  const head = `release ${event.release}:`;
  switch (event.type) {
    case "stage-started":
      return `${head} stage ${event.stage} started with ${event.members} row(s)`;
    case "stage-waiting":
      return `${head} stage ${event.stage} waits for ${event.checkpoint === "approval" ? "an approval" : "a trigger"}`;
    case "stage-ended":
      return `${head} stage ${event.stage} ended ${event.state}: ${event.reason}`;
    case "threshold-crossed":
      return `${head} stage ${event.stage} crossed its ${event.threshold} threshold (${event.counts.total} row(s))`;
    case "release-ended":
      return `${head} ended ${event.state}: ${event.reason}`;
  }
}

/** `release 3: stage pilot Running -> Successful (reason) by release runner`. */
export function describeHistory(id: string, entry: HistoryEntry): string {
  const subject = entry.subject === "release" ? "" : `stage ${entry.subject} `;
  return `release ${id}: ${subject}${entry.from} -> ${entry.to} (${entry.reason}) by ${entry.who}`;
}
