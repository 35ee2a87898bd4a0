import { describe, expect, it } from "vitest";
import {
  createSigner,
  decodeDesired,
  EXAMPLE_PAYLOADS,
  encodeDesired,
  generateSigningKeyPair,
  MAX_PAYLOAD_BYTES,
  openEnvelope,
  parsePublicKey,
  trustedKeys,
  unwrap,
} from "../src/index.js";

const coordinator = generateSigningKeyPair();
const intruder = generateSigningKeyPair();
const signer = createSigner(coordinator.privateKeyPem);
const keys = trustedKeys(unwrap(parsePublicKey(coordinator.publicKey)));
const good = unwrap(encodeDesired(EXAMPLE_PAYLOADS.desired, signer));

function tamper(
  change: (envelope: { payload: string; keyId: string; sig: string }) => void,
): string {
  const envelope = JSON.parse(good);
  change(envelope);
  return JSON.stringify(envelope);
}

describe("signing", () => {
  it("a signed desired document verifies and decodes to the same document", () => {
    expect(decodeDesired(good, keys)).toEqual({ ok: true, value: EXAMPLE_PAYLOADS.desired });
    expect(decodeDesired(Buffer.from(good), keys).ok).toBe(true);
  });

  it("verification uses the exact payload bytes, not a re-serialisation", () => {
    // Same JSON meaning, different bytes: signed as written, verified as written.
    const spaced = JSON.stringify(EXAMPLE_PAYLOADS.desired, null, 2);
    const envelope = JSON.stringify(signer.sign(spaced));
    expect(decodeDesired(envelope, keys).ok).toBe(true);
    const reserialised = tamper((e) => {
      e.payload = JSON.stringify(JSON.parse(spaced));
      e.sig = JSON.parse(envelope).sig;
    });
    expect(openEnvelope(reserialised, keys)).toMatchObject({
      ok: false,
      error: expect.stringContaining("does not verify"),
    });
  });

  const refusals: { name: string; bytes: () => string | Buffer; error: RegExp }[] = [
    {
      name: "altered payload byte",
      bytes: () =>
        tamper((e) => {
          e.payload = e.payload.replace('"seq":42', '"seq":43');
        }),
      error: /does not verify/,
    },
    {
      name: "altered signature",
      bytes: () =>
        tamper((e) => {
          e.sig = `${e.sig[0] === "A" ? "B" : "A"}${e.sig.slice(1)}`;
        }),
      error: /does not verify/,
    },
    {
      name: "signed by another key (claiming ours)",
      bytes: () =>
        tamper((e) => {
          const other = createSigner(intruder.privateKeyPem).sign(e.payload);
          e.sig = other.sig;
        }),
      error: /does not verify/,
    },
    {
      name: "signed by another key (its own id)",
      bytes: () =>
        JSON.stringify(createSigner(intruder.privateKeyPem).sign(JSON.parse(good).payload)),
      error: /unknown key/,
    },
    {
      name: "truncated envelope",
      bytes: () => good.slice(0, good.length - 10),
      error: /invalid JSON/,
    },
    {
      name: "envelope without sig",
      bytes: () =>
        tamper((e) => {
          delete (e as Partial<typeof e>).sig;
        }),
      error: /sig: is required/,
    },
    {
      name: "signature cut short",
      bytes: () =>
        tamper((e) => {
          e.sig = e.sig.slice(0, 40);
        }),
      error: /sig: is not a base64 ed25519 signature/,
    },
    { name: "not an object", bytes: () => "[]", error: /expected object/ },
    {
      name: "oversize",
      bytes: () => Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 32),
      error: /above the limit/,
    },
    {
      name: "valid signature over an invalid document",
      bytes: () => JSON.stringify(signer.sign('{"schema":1}')),
      error: /desired document: seq: is required/,
    },
  ];
  it.each(refusals)("refuses: $name", ({ bytes, error }) => {
    const result = decodeDesired(bytes(), keys);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(error);
  });

  it.each([
    ["no prefix", "abc", /must start with "ed25519:"/],
    ["wrong length", "ed25519:AAAA", /must be 32 bytes, got 3/],
  ])("parsePublicKey refuses %s", (_name, text, error) => {
    expect(parsePublicKey(text)).toMatchObject({ ok: false, error: expect.stringMatching(error) });
  });

  it("key ids are stable and differ between keys", () => {
    expect(signer.keyId).toBe(coordinator.keyId);
    expect(coordinator.keyId).not.toBe(intruder.keyId);
    expect(coordinator.keyId).toMatch(/^[0-9a-f]{16}$/);
  });
});
