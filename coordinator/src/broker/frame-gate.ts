import type { Socket } from "node:net";
import { Duplex } from "node:stream";
import { type FrameLimits, FrameScanner } from "./frame-scanner.js";

/**
 * A stream that stands between a TCP socket and aedes: bytes from the client
 * pass through a FrameScanner, and a packet whose fixed header declares more
 * than the limits allow closes the socket there and then, before its body is
 * read, so it never reaches aedes's parser (which would buffer all of it).
 * Bytes to the client go straight to the socket.
 *
 * Memory per connection stays bounded by the streams' high-water marks: when
 * aedes stops reading (it pauses while a CONNECT is being authenticated), the
 * gate pauses the socket and TCP flow control holds the client back.
 */
export class FrameGate extends Duplex {
  private readonly scanner: FrameScanner;
  private refused = false;
  /** A write waiting for the socket to drain. */
  private pendingWrite: ((error?: Error | null) => void) | null = null;

  constructor(
    private readonly socket: Socket,
    limits: FrameLimits,
    onRefuse: (reason: string) => void,
  ) {
    super({ allowHalfOpen: false });
    this.scanner = new FrameScanner(limits);
    socket.on("data", (chunk: Buffer) => {
      if (this.refused) return;
      const verdict = this.scanner.feed(chunk);
      if (!verdict.ok) {
        this.refused = true;
        socket.destroy();
        onRefuse(verdict.reason);
        return;
      }
      if (!this.push(chunk)) socket.pause();
    });
    socket.on("end", () => this.push(null));
    socket.on("drain", () => this.releaseWrite(null));
    socket.on("error", (error) => this.destroy(error));
    socket.on("close", () => {
      // Destroyed first, so the released write cannot raise a second error.
      this.destroy();
      this.releaseWrite(null);
    });
  }

  /** The client's address, as on the socket (the broker logs and throttles by it). */
  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.socket.remotePort;
  }

  override _read(): void {
    if (!this.refused) this.socket.resume();
  }

  override _write(
    chunk: Buffer,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    if (this.socket.write(chunk)) callback();
    else this.pendingWrite = callback;
  }

  override _writev(
    chunks: { chunk: Buffer; encoding: BufferEncoding }[],
    callback: (error?: Error | null) => void,
  ): void {
    // aedes writes a packet as several small buffers; one syscall for all.
    this.socket.cork();
    let flushed = true;
    for (const { chunk } of chunks) flushed = this.socket.write(chunk);
    this.socket.uncork();
    if (flushed) callback();
    else this.pendingWrite = callback;
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.socket.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy();
    callback(error);
  }

  private releaseWrite(error: Error | null): void {
    const pending = this.pendingWrite;
    this.pendingWrite = null;
    pending?.(error);
  }
}
