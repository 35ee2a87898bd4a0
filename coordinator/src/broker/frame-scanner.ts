/**
 * Reads the fixed header of every MQTT packet in a byte stream and judges the
 * size it declares before a single byte of its body is buffered. Pure: no
 * I/O; frame-gate.ts feeds it the socket's chunks.
 *
 * Why: MQTT 3.1.1 §2.2.3 lets a packet declare up to 268,435,455 bytes in
 * its Remaining Length, and aedes's parser (mqtt-packet) collects a packet's
 * whole body before it looks at it: three unauthenticated connections that
 * each declared 256 MB took the coordinator from 121 MB to 563 MB. MQTT 3.1.1
 * has no way to announce a maximum packet size, so the only refusal is closing
 * the network connection (as for any protocol violation, §4.8).
 *
 * The stream is a sequence of packets: one byte of type and flags
 * (§2.2.1-2.2.2), one to four bytes of Remaining Length (§2.2.3: seven bits a
 * byte, least significant first, the top bit set on every byte but the last),
 * then that many bytes of variable header and payload, which the scanner
 * skips without keeping.
 */

export interface FrameLimits {
  /**
   * Largest Remaining Length of the first packet, which must be a CONNECT:
   * nobody is authenticated yet, so only a few KB are allowed (a client id,
   * a username, a password and a small last will).
   */
  maxConnectBytes: number;
  /** Largest Remaining Length of every later packet. */
  maxPacketBytes: number;
}

export type FrameVerdict = { ok: true } | { ok: false; reason: string };

const OK: FrameVerdict = { ok: true };

/** Control packet types of MQTT 3.1.1 §2.2.1, Table 2.1. */
const CONNECT = 1;
const RESERVED_TYPES = new Set([0, 15]);
/** §2.2.3: at most four bytes of Remaining Length. */
const MAX_LENGTH_BYTES = 4;

export class FrameScanner {
  /** Packets whose fixed header has been read and accepted. */
  private packets = 0;
  /** Bytes of the fixed header read so far (type byte, then length bytes). */
  private readonly header: number[] = [];
  /** Body bytes of the current packet still to skip. */
  private remaining = 0;
  /** Once refused, always refused: the connection is being closed. */
  private refusal: FrameVerdict | null = null;

  constructor(private readonly limits: FrameLimits) {}

  /** Scans the next chunk of the stream; the first refusal sticks. */
  feed(chunk: Uint8Array): FrameVerdict {
    if (this.refusal !== null) return this.refusal;
    let i = 0;
    while (i < chunk.length) {
      if (this.remaining > 0) {
        const skip = Math.min(this.remaining, chunk.length - i);
        this.remaining -= skip;
        i += skip;
        continue;
      }
      const byte = chunk[i] as number;
      i += 1;
      this.header.push(byte);
      if (this.header.length === 1) continue;
      if ((byte & 0x80) !== 0) {
        if (this.header.length === 1 + MAX_LENGTH_BYTES) {
          return this.refuse("malformed Remaining Length: more than 4 bytes (MQTT 3.1.1 §2.2.3)");
        }
        continue;
      }
      const type = (this.header[0] as number) >> 4;
      const length = decodeLength(this.header.slice(1));
      const verdict = this.judge(type, length);
      if (!verdict.ok) return this.refuse(verdict.reason);
      this.packets += 1;
      this.header.length = 0;
      this.remaining = length;
    }
    return OK;
  }

  private judge(type: number, length: number): FrameVerdict {
    if (RESERVED_TYPES.has(type)) {
      return { ok: false, reason: `packet type ${type} is reserved (MQTT 3.1.1 §2.2.1)` };
    }
    if (this.packets === 0) {
      if (type !== CONNECT) {
        return {
          ok: false,
          reason: `the first packet must be a CONNECT, not type ${type} (MQTT 3.1.1 §3.1, MQTT-3.1.0-1)`,
        };
      }
      if (length > this.limits.maxConnectBytes) {
        return {
          ok: false,
          reason: `CONNECT declares ${length} bytes; before login at most ${this.limits.maxConnectBytes} are accepted`,
        };
      }
      return OK;
    }
    if (type === CONNECT) {
      return { ok: false, reason: "a second CONNECT (MQTT 3.1.1 §3.1, MQTT-3.1.0-2)" };
    }
    if (length > this.limits.maxPacketBytes) {
      return {
        ok: false,
        reason: `a packet of type ${type} declares ${length} bytes; at most ${this.limits.maxPacketBytes} are accepted`,
      };
    }
    return OK;
  }

  private refuse(reason: string): FrameVerdict {
    this.refusal = { ok: false, reason };
    return this.refusal;
  }
}

function decodeLength(bytes: readonly number[]): number {
  let value = 0;
  let multiplier = 1;
  for (const byte of bytes) {
    value += (byte & 0x7f) * multiplier;
    multiplier *= 128;
  }
  return value;
}

/**
 * Largest Remaining Length of a PUBLISH whose payload is within
 * `maxPayloadBytes`: topic length field (2) + the longest topic (65,535,
 * §1.5.3) + packet identifier (2) + payload. Every other packet a client sends
 * is smaller for the topics it may use.
 */
export function maxPacketBytesFor(maxPayloadBytes: number): number {
  return 2 + 65_535 + 2 + maxPayloadBytes;
}
