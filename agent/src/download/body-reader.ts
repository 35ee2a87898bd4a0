/**
 * Pull-style reader over an HTTP response body that keeps every byte the
 * socket delivered.
 *
 * When a connection drops, Node destroys the `IncomingMessage`, and a
 * destroyed stream throws away whatever it still buffers. On a shaky uplink
 * that is exactly the data we most want to keep for the resume. This reader
 * therefore takes chunks off the stream as they are emitted (attach it
 * synchronously when the response arrives) and only surfaces the error after
 * all chunks received before it have been handed out. Back-pressure is kept by
 * pausing the response while too much is queued.
 */
import type { IncomingMessage } from "node:http";

/** Queue size above which the response is paused, and below which it resumes. */
const HIGH_WATER_BYTES = 1024 * 1024;
const LOW_WATER_BYTES = 256 * 1024;

export class BodyReader {
  private readonly chunks: Buffer[] = [];
  private queuedBytes = 0;
  private ended = false;
  private error: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly res: IncomingMessage) {
    res.on("data", (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.queuedBytes += chunk.length;
      if (this.queuedBytes >= HIGH_WATER_BYTES) res.pause();
      this.notify();
    });
    res.on("end", () => {
      this.ended = true;
      this.notify();
    });
    res.on("error", (err) => {
      this.error ??= err;
      this.notify();
    });
    res.on("close", () => {
      if (!this.ended && this.error === undefined) {
        this.error = Object.assign(new Error("response closed before the body ended"), {
          code: "ERR_STREAM_PREMATURE_CLOSE",
        });
      }
      this.notify();
    });
  }

  /**
   * Next chunk, or `undefined` at the end of a complete body. Throws the
   * stream's error once every chunk received before it has been returned.
   */
  async next(): Promise<Buffer | undefined> {
    for (;;) {
      const chunk = this.chunks.shift();
      if (chunk !== undefined) {
        this.queuedBytes -= chunk.length;
        if (this.queuedBytes <= LOW_WATER_BYTES && this.res.isPaused() && !this.res.destroyed) {
          this.res.resume();
        }
        return chunk;
      }
      if (this.error !== undefined) throw this.error;
      if (this.ended) return undefined;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
