// Issue 14: a set-preferred answers once its change is durable (desired state, rows, audit);
// the desired documents go out after the answer, from the stored state, in seq order.

import { createSigner, generateSigningKeyPair } from "@tillroll/protocol";
import { describe, expect, it } from "vitest";
import { DesiredPublisher } from "../../src/desired/desired-publisher.js";
import { ConsoleOperations } from "../../src/operations/console-operations.js";
import { JsonCoordinatorStore } from "../../src/store/json/json-store.js";
import { buildPack, descriptorFor, useWorkspace } from "../packs/pack-fixtures.js";

const TEST_ADMIN = { name: "test", role: "admin", scope: null } as const;
const ws = useWorkspace();

/** A broker whose acknowledgements, once held, the test releases by hand. */
function heldBroker() {
  const published: { topic: string; seq: number }[] = [];
  const waiting: (() => void)[] = [];
  let holding = false;
  const publish = (topic: string, payload: string) => {
    if (payload !== "") published.push({ topic, seq: JSON.parse(JSON.parse(payload).payload).seq });
    if (!holding) return Promise.resolve();
    return new Promise<void>((resolve) => waiting.push(resolve));
  };
  return {
    published,
    publish,
    hold: () => {
      holding = true;
    },
    release: () => {
      holding = false;
      for (const ack of waiting.splice(0)) ack();
    },
  };
}

async function world(broker: ReturnType<typeof heldBroker>) {
  const store = await JsonCoordinatorStore.open({
    dir: ws.data,
    log: () => undefined,
    now: Date.now,
    packs: { tmpDir: ws.staging },
  });
  for (const version of ["1.0.0", "1.1.0"]) {
    const pack = await buildPack(ws, { descriptor: descriptorFor("pos-client", version) });
    expect((await store.packs.publish(pack)).ok).toBe(true);
  }
  const signer = createSigner(generateSigningKeyPair().privateKeyPem);
  const desired = new DesiredPublisher(
    broker.publish,
    store.desired,
    signer,
    "tillroll/v1",
    Date.now,
  );
  const ops = new ConsoleOperations({
    workstations: store.workstations,
    desiredState: store.desired,
    fleet: store.fleet,
    packs: store.packs,
    audit: store.audit,
    desired,
    publicKey: "ed25519:x",
    agentBrokerUrl: "mqtt://127.0.0.1:1883",
    packBaseUrl: "http://127.0.0.1:8080",
    now: Date.now,
    isOnline: () => false,
    lastReport: () => null,
  });
  const enrolled = await ops.enrolMany(
    Array.from({ length: 4 }, (_, i) => ({ store: "3001", workstation: `0${i + 1}` })),
    TEST_ADMIN,
  );
  expect(enrolled.ok).toBe(true);
  await desired.idle();
  broker.published.length = 0;
  const setPreferred = (version: string) =>
    ops.setPreferred(
      {
        function: "pos-client",
        version,
        validFrom: null,
        install: true,
        filters: { store: ["3001"] },
        all: false,
        dryRun: false,
      },
      TEST_ADMIN,
    );
  return { store, desired, setPreferred };
}

const TOPICS = ["01", "02", "03", "04"].map((w) => `tillroll/v1/ws/3001/${w}/desired`);

describe("set-preferred and the broker", () => {
  it("answers once the change is durable, before the broker has acknowledged a document", async () => {
    const broker = heldBroker();
    const { store, desired, setPreferred } = await world(broker);
    broker.hold();
    const answer = await setPreferred("1.0.0");
    expect(answer.ok && answer.value.changed.length).toBe(4);
    const services = await store.desired.servicesOf({ store: "3001", workstation: "01" });
    expect(services["pos-client"]?.preferredVersion).toBe("1.0.0");
    expect((await store.fleet.get("3001/01/pos-client"))?.preferredVersion).toBe("1.0.0");
    broker.release();
    await desired.idle();
    expect(broker.published.map((p) => p.topic).sort()).toEqual(TOPICS);
  });

  it("a later change's documents wait for the earlier ones: a retained seq never goes back", async () => {
    const broker = heldBroker();
    const { desired, setPreferred } = await world(broker);
    broker.hold();
    expect((await setPreferred("1.0.0")).ok).toBe(true);
    expect((await setPreferred("1.1.0")).ok).toBe(true);
    // Only the first change's documents are out while the broker holds them.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(broker.published).toHaveLength(4);
    broker.release();
    await desired.idle();
    expect(broker.published).toHaveLength(8);
    for (const topic of TOPICS) {
      const seqs = broker.published.filter((p) => p.topic === topic).map((p) => p.seq);
      expect(seqs).toHaveLength(2);
      expect(seqs[1]).toBeGreaterThan(seqs[0] as number);
    }
  });
});
