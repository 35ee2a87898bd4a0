import type { FunctionPackDescriptorInput } from "./descriptor.js";
import type { PayloadOf } from "./messages.js";
import type { TopicKind } from "./topics.js";

/**
 * One valid example of every document. Tests check each against its schema,
 * the generated JSON Schemas carry them, and PROTOCOL.md shows them, so the
 * documentation cannot drift from what the code accepts.
 */
export const EXAMPLE_PAYLOADS: { [K in TopicKind]: PayloadOf<K> } = {
  desired: {
    schema: 1,
    seq: 42,
    ts: "2026-11-21T09:30:00.000Z",
    store: "1001",
    workstation: "01",
    services: {
      "pos-client": {
        preferredVersion: "1.1.0",
        validFrom: "2026-11-21T22:00:00.000Z",
        requestId: "r-7f3a9c",
        artifact: {
          url: "http://coordinator.example:8080/packs/0b6a4c3c2a1f8e5d7c9b0a1e2d3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f.tgz",
          sha256: "0b6a4c3c2a1f8e5d7c9b0a1e2d3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f",
          size: 1048576,
        },
      },
      "price-sync": { preferredVersion: null, validFrom: null, requestId: null, artifact: null },
    },
  },
  status: {
    schema: 1,
    seq: 318,
    ts: "2026-11-21T22:00:04.000Z",
    store: "1001",
    workstation: "01",
    desiredSeq: 42,
    services: {
      "pos-client": {
        status: "In Progress",
        activeVersion: "1.0.0",
        preferredVersion: "1.1.0",
        requestId: "r-7f3a9c",
        validFrom: "2026-11-21T22:00:00.000Z",
        phase: "downloading",
        progress: 37,
        reason: null,
        updatedAt: "2026-11-21T22:00:04.000Z",
      },
      "price-sync": {
        status: "OK",
        activeVersion: "2.3.1",
        preferredVersion: null,
        requestId: null,
        validFrom: null,
        phase: null,
        progress: null,
        reason: null,
        updatedAt: "2026-11-20T08:12:00.000Z",
      },
    },
  },
  presence: {
    schema: 1,
    seq: 7,
    ts: "2026-11-21T06:58:00.000Z",
    state: "online",
    agentVersion: "0.1.0",
  },
  session: {
    schema: 1,
    seq: 1203,
    ts: "2026-11-21T10:15:00.000Z",
    users: ["alice"],
    transactionInProgress: false,
  },
  maintenance: {
    schema: 1,
    seq: 319,
    ts: "2026-11-21T22:00:10.000Z",
    active: true,
    functions: ["pos-client"],
    reason: "updating pos-client 1.0.0 -> 1.1.0",
  },
  notice: {
    schema: 1,
    seq: 320,
    ts: "2026-11-21T21:58:00.000Z",
    level: "warning",
    text: "pos-client will be updated in 2 minutes; please finish your transaction",
    function: "pos-client",
    at: "2026-11-21T22:00:00.000Z",
  },
  log: {
    schema: 1,
    seq: 321,
    ts: "2026-11-21T22:00:12.000Z",
    function: "pos-client",
    version: "1.1.0",
    requestId: "r-7f3a9c",
    level: "info",
    source: "beforeInstall",
    stream: "stdout",
    line: "Method executed before install.",
  },
  pos: {
    schema: 1,
    seq: 88,
    ts: "2026-11-21T06:59:00.000Z",
    state: "online",
  },
};

export const EXAMPLE_DESCRIPTOR: FunctionPackDescriptorInput = {
  name: "pos-client",
  version: "1.1.0",
  updatableFrom: ">=1.0.0 <1.1.0",
  service: {
    start: "bin/start",
    stop: "bin/stop",
    health: { command: "bin/health", timeoutSeconds: 30, intervalSeconds: 1 },
  },
  hooks: { beforeInstall: "hooks/before-install", afterInstall: "hooks/after-install" },
};
