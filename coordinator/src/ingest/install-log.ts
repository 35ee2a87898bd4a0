import { decodePayload, err, ok, type Result } from "@tillroll/protocol";
import { rowKey } from "../fleet/service-row.js";

/** One kept line, as `GET /api/install-log` answers it. */
export interface InstallLogEntry {
  /** When the agent wrote it (its clock, ISO 8601 UTC). */
  readonly at: string;
  readonly requestId: string | null;
  readonly level: "info" | "warn" | "error";
  readonly text: string;
}

export interface InstallLogLimits {
  /** Lines kept per row (store/workstation/function); the oldest go first. */
  readonly linesPerRow: number;
  /** Rows kept; the row written to least recently goes first. */
  readonly rows: number;
}

export const INSTALL_LOG_LIMITS: InstallLogLimits = { linesPerRow: 200, rows: 1000 };

/**
 * What the coordinator kept of the agents' install logs (the `log` topic):
 * the last lines of the rows that logged most recently, in memory only, so a
 * restart forgets them (the agent keeps the whole log in its own file).
 * Bounded: at most `rows × linesPerRow` lines of at most MAX_LOG_LINE_LENGTH.
 */
export class InstallLog {
  /** Map order is least recently written first, so eviction drops the stalest row. */
  private readonly byRow = new Map<string, InstallLogEntry[]>();

  constructor(private readonly limits: InstallLogLimits = INSTALL_LOG_LIMITS) {}

  /**
   * Keeps a `log` message of workstation `store/workstation`; a payload that
   * is not a valid install log line is refused and changes nothing.
   */
  onMessage(store: string, workstation: string, payload: Buffer): Result<void> {
    const decoded = decodePayload("log", payload);
    if (!decoded.ok) return err(decoded.error);
    const line = decoded.value;
    this.add(rowKey({ store, workstation, function: line.function }), {
      at: line.ts,
      requestId: line.requestId,
      level: line.level,
      text: line.line,
    });
    return ok(undefined);
  }

  add(key: string, entry: InstallLogEntry): void {
    const lines = this.byRow.get(key) ?? [];
    this.byRow.delete(key);
    lines.push(entry);
    if (lines.length > this.limits.linesPerRow)
      lines.splice(0, lines.length - this.limits.linesPerRow);
    this.byRow.set(key, lines);
    while (this.byRow.size > this.limits.rows) {
      const oldest = this.byRow.keys().next();
      if (oldest.done) break;
      this.byRow.delete(oldest.value);
    }
  }

  /** The kept lines of row `key`, oldest first; of one update request when `requestId` is given. */
  lines(key: string, requestId?: string): InstallLogEntry[] {
    const lines = this.byRow.get(key) ?? [];
    return requestId === undefined
      ? [...lines]
      : lines.filter((line) => line.requestId === requestId);
  }

  /** Forgets a removed workstation's rows. */
  forgetWorkstation(store: string, workstation: string): void {
    const prefix = `${store}/${workstation}/`;
    for (const key of [...this.byRow.keys()]) if (key.startsWith(prefix)) this.byRow.delete(key);
  }

  get rowCount(): number {
    return this.byRow.size;
  }
}
