/**
 * Throttled progress reporting.
 *
 * Reports go out at most once per {@link PROGRESS_INTERVAL_MS} (so at most
 * twice per second of the injected clock) plus exactly once when the byte
 * count reaches the announced size. A throwing callback never breaks the
 * download.
 */
import type { DownloadProgress } from "./types.js";

export const PROGRESS_INTERVAL_MS = 500;

export class ProgressThrottle {
  private lastReportAt = Number.NEGATIVE_INFINITY;
  private completed = false;

  constructor(
    private readonly size: number,
    private readonly now: () => number,
    private readonly onProgress: ((p: DownloadProgress) => void) | undefined,
    private readonly log: (msg: string) => void,
    private readonly intervalMs: number = PROGRESS_INTERVAL_MS,
  ) {}

  /** Offers the current byte count; reports it if the throttle allows. */
  update(bytes: number): void {
    if (this.onProgress === undefined || this.completed) return;
    if (bytes >= this.size) {
      this.complete();
      return;
    }
    const t = this.now();
    if (t - this.lastReportAt < this.intervalMs) return;
    this.lastReportAt = t;
    this.emit(bytes);
  }

  /** Reports 100 % (once per throttle, regardless of the interval). */
  complete(): void {
    if (this.onProgress === undefined || this.completed) return;
    this.completed = true;
    this.emit(this.size);
  }

  private emit(bytes: number): void {
    const percent = percentOf(bytes, this.size);
    try {
      this.onProgress?.({ bytes, size: this.size, percent });
    } catch (err) {
      this.log(`download: progress callback threw: ${String(err)}`);
    }
  }
}

/** Integer percentage that only reads 100 once every byte is in. */
export function percentOf(bytes: number, size: number): number {
  if (size <= 0 || bytes >= size) return 100;
  return Math.max(0, Math.floor((bytes * 100) / size));
}
