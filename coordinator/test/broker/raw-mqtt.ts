import { connect, type Socket } from "node:net";

/**
 * MQTT 3.1.1 bytes written by hand on a plain TCP socket, for tests that must
 * send what no client library would: a fixed header declaring 256 MB, a body
 * that never comes.
 */

/** Remaining Length (§2.2.3). */
export function remainingLength(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    bytes.push(byte);
  } while (rest > 0);
  return Buffer.from(bytes);
}

function utf8(text: string): Buffer {
  const body = Buffer.from(text, "utf8");
  const size = Buffer.alloc(2);
  size.writeUInt16BE(body.length);
  return Buffer.concat([size, body]);
}

export interface RawConnect {
  clientId: string;
  username?: string;
  password?: string;
  clean?: boolean;
}

/** A complete CONNECT packet (§3.1). */
export function connectPacket(options: RawConnect): Buffer {
  let flags = options.clean === false ? 0 : 0x02;
  if (options.username !== undefined) flags |= 0x80;
  if (options.password !== undefined) flags |= 0x40;
  const variable = Buffer.concat([utf8("MQTT"), Buffer.from([4, flags, 0, 60])]);
  const payload = Buffer.concat([
    utf8(options.clientId),
    ...(options.username === undefined ? [] : [utf8(options.username)]),
    ...(options.password === undefined ? [] : [utf8(options.password)]),
  ]);
  const body = Buffer.concat([variable, payload]);
  return Buffer.concat([Buffer.from([0x10]), remainingLength(body.length), body]);
}

/** Just the fixed header of a packet of `type` declaring `length` bytes. */
export function fixedHeader(type: number, length: number, flags = 0): Buffer {
  return Buffer.concat([Buffer.from([(type << 4) | flags]), remainingLength(length)]);
}

export const CONNECT_TYPE = 1;
export const PUBLISH_TYPE = 3;

export interface RawClient {
  socket: Socket;
  /** Everything the broker sent. */
  received(): Buffer;
  /** Resolves when the connection is closed (by either side). */
  closed: Promise<void>;
  /** Resolves with the CONNACK return code (§3.2.2.3), or null if the connection closed first. */
  connack(): Promise<number | null>;
  /** Writes `total` zero bytes in 64 KiB chunks while the connection is open; resolves with bytes written. */
  stream(total: number): Promise<number>;
}

export function rawClient(port: number, host = "127.0.0.1"): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host);
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", () => {});
    const closed = new Promise<void>((done) => socket.once("close", () => done()));
    socket.once("connect", () => {
      const client: RawClient = {
        socket,
        received: () => Buffer.concat(chunks),
        closed,
        async connack() {
          const deadline = Date.now() + 40_000;
          while (Date.now() < deadline) {
            const bytes = client.received();
            if (bytes.length >= 4 && bytes[0] === 0x20) return bytes[3] ?? null;
            if (socket.destroyed) return null;
            await new Promise((r) => setTimeout(r, 5));
          }
          throw new Error("no CONNACK in 40 s");
        },
        async stream(total) {
          const chunk = Buffer.alloc(64 * 1024);
          let written = 0;
          while (written < total && !socket.destroyed && socket.writable) {
            const ok = socket.write(chunk);
            written += chunk.length;
            if (!ok) {
              await Promise.race([
                new Promise((r) => socket.once("drain", r)),
                closed,
                new Promise((r) => setTimeout(r, 200)),
              ]);
            }
          }
          return written;
        },
      };
      resolve(client);
    });
    socket.once("error", reject);
  });
}
