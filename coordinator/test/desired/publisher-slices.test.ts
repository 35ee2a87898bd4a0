// Signing desired documents is synchronous CPU work: the publisher gives the event loop a turn
// once a slice has taken a few milliseconds, however slow each signature is (a busy machine),
// so a 10,000-till change does not stall status ingestion. Documents still go out in seq order.

import { createSigner, generateSigningKeyPair, type Signer } from "@tillroll/protocol";
import { describe, expect, it } from "vitest";
import { DesiredPublisher } from "../../src/desired/desired-publisher.js";
import type { DesiredStore } from "../../src/store/desired-store.js";

/** A desired store with one entry per workstation and no document-level fields. */
function store(): DesiredStore {
  const entry = {
    preferredVersion: "1.1.0",
    validFrom: "2026-11-21T09:00:00.000Z",
    requestId: "r-0123456789ab",
    artifact: {
      url: `http://127.0.0.1:8080/packs/${"a".repeat(64)}.tgz`,
      sha256: "a".repeat(64),
      size: 1024,
    },
  };
  return {
    servicesOf: async () => ({ "pos-client": { ...entry } }),
    fieldsOf: async () => ({}),
  } as unknown as DesiredStore;
}

/** A signer that takes `ms` of CPU per signature, as a loaded machine's does. */
function slowSigner(ms: number): Signer {
  const real = createSigner(generateSigningKeyPair().privateKeyPem);
  return {
    keyId: real.keyId,
    sign: (payload) => {
      const until = performance.now() + ms;
      while (performance.now() < until) {
        // busy: CPU work the event loop cannot interrupt
      }
      return real.sign(payload);
    },
  };
}

describe("DesiredPublisher.send", () => {
  it("yields to the event loop every few milliseconds of signing, and sends in seq order", async () => {
    const seqs: number[] = [];
    const publisher = new DesiredPublisher(
      async (_topic, payload) => {
        seqs.push(JSON.parse(JSON.parse(payload).payload).seq);
      },
      store(),
      slowSigner(1),
      "tillroll/v1",
      Date.now,
    );
    const refs = Array.from({ length: 300 }, (_, i) => ({
      store: String(1000 + i),
      workstation: "01",
    }));
    // Documents signed between two turns of the event loop.
    const between: number[] = [];
    let last = 0;
    let turning = true;
    const turn = () => {
      between.push(seqs.length - last);
      last = seqs.length;
      if (turning) setImmediate(turn);
    };
    setImmediate(turn);
    await publisher.send(refs, 1);
    turning = false;
    expect(seqs).toEqual(refs.map((_, i) => 1 + i));
    // 1 ms a signature, a 4 ms slice: a handful per turn (a count of 200 was 200 ms here).
    expect(Math.max(...between)).toBeLessThanOrEqual(20);
  });
});
