import { describe, expect, it } from "vitest";
import { FrameScanner, maxPacketBytesFor } from "../../src/broker/frame-scanner.js";

const LIMITS = { maxConnectBytes: 100, maxPacketBytes: 1_000 };

/** Remaining Length bytes of MQTT 3.1.1 §2.2.3. */
function length(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    bytes.push(byte);
  } while (rest > 0);
  return bytes;
}

/** A packet of `type` with a body of `size` zero bytes (or just its header when `body` is false). */
function packet(type: number, size: number, body = true): number[] {
  return [type << 4, ...length(size), ...(body ? new Array<number>(size).fill(0) : [])];
}

const CONNECT = 1;
const PUBLISH = 3;
const PINGREQ = 12;

describe("FrameScanner", () => {
  it.each([
    ["a CONNECT at the limit", [packet(CONNECT, 100)], null],
    ["a CONNECT one byte over", [packet(CONNECT, 101, false)], "CONNECT declares 101 bytes"],
    [
      "a 256 MB CONNECT, header only",
      [packet(CONNECT, 268_435_455, false)],
      "CONNECT declares 268435455",
    ],
    ["a PUBLISH first", [packet(PUBLISH, 10)], "the first packet must be a CONNECT"],
    [
      "packets after CONNECT up to the limit",
      [packet(CONNECT, 10), packet(PUBLISH, 1_000), packet(PINGREQ, 0)],
      null,
    ],
    [
      "a packet after CONNECT one byte over",
      [packet(CONNECT, 10), packet(PUBLISH, 1_001, false)],
      "type 3 declares 1001 bytes",
    ],
    [
      "a 256 MB PUBLISH after CONNECT",
      [packet(CONNECT, 10), packet(PUBLISH, 268_435_455, false)],
      "declares 268435455",
    ],
    ["a second CONNECT", [packet(CONNECT, 10), packet(CONNECT, 10)], "a second CONNECT"],
    ["reserved type 0", [packet(0, 0)], "reserved"],
    ["reserved type 15 after CONNECT", [packet(CONNECT, 10), packet(15, 0)], "reserved"],
    [
      "a 5-byte Remaining Length",
      [[CONNECT << 4, 0x80, 0x80, 0x80, 0x80, 0x01]],
      "more than 4 bytes",
    ],
  ])("%s", (_name, packets, refusal) => {
    const bytes = Uint8Array.from(packets.flat());
    // Whole, and split into 1-byte chunks: headers may straddle chunks.
    for (const chunks of [[bytes], Array.from(bytes, (b) => Uint8Array.of(b))]) {
      const scanner = new FrameScanner(LIMITS);
      const verdicts = chunks.map((chunk) => scanner.feed(chunk));
      const refused = verdicts.find((v) => !v.ok);
      if (refusal === null) expect(refused).toBeUndefined();
      else expect(refused).toEqual({ ok: false, reason: expect.stringContaining(refusal) });
    }
  });

  it("judges a packet at its header, before any of its body arrived", () => {
    const scanner = new FrameScanner(LIMITS);
    expect(scanner.feed(Uint8Array.from(packet(CONNECT, 10)))).toEqual({ ok: true });
    // 0x30 then 0xff 0xff 0xff 0x7f: the declared 256 MB, nothing more.
    expect(scanner.feed(Uint8Array.from([PUBLISH << 4, 0xff, 0xff]))).toEqual({ ok: true });
    expect(scanner.feed(Uint8Array.from([0xff, 0x7f])).ok).toBe(false);
  });

  it("keeps refusing once it refused", () => {
    const scanner = new FrameScanner(LIMITS);
    scanner.feed(Uint8Array.from(packet(PUBLISH, 1)));
    expect(scanner.feed(Uint8Array.from(packet(CONNECT, 1))).ok).toBe(false);
  });

  it("allows a PUBLISH of the payload limit with the longest topic and a packet id", () => {
    expect(maxPacketBytesFor(256 * 1024)).toBe(2 + 65_535 + 2 + 256 * 1024);
  });
});
