// An operator action answers only once every record of it is on disk: desired state, fleet
// rows and audit. Checked with the fleet's coalescing timer frozen, so nothing but the action
// itself can have written the rows when its answer arrives.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createSigner, generateSigningKeyPair } from "@tillroll/protocol";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DesiredPublisher } from "../../src/desired/desired-publisher.js";
import { FleetStore } from "../../src/fleet/fleet-store.js";
import { ConsoleOperations } from "../../src/operations/console-operations.js";
import { JsonCoordinatorStore } from "../../src/store/json/json-store.js";
import { buildPack, descriptorFor, useWorkspace } from "../packs/pack-fixtures.js";

/** The platform admin the operations act as (issue 9: who is an operator, not a string). */
const TEST_ADMIN = { name: "test", role: "admin", scope: null } as const;

const ws = useWorkspace();
const TILLS = 1000;

afterEach(() => {
  vi.useRealTimers();
});

function journalRows(dir: string): number {
  return readdirSync(dir)
    .filter((name) => /^fleet-\d+\.log$/.test(name))
    .flatMap((name) => readFileSync(join(dir, name), "utf8").split("\n"))
    .filter((line) => line.trim() !== "").length;
}

describe("set-preferred --install", () => {
  it(`on ${TILLS} tills: every row is in the journal when the answer comes`, async () => {
    const log = () => undefined;
    const store = await JsonCoordinatorStore.open({
      dir: ws.data,
      log,
      now: Date.now,
      packs: { tmpDir: ws.staging },
    });
    const { fleet } = store.files;
    const packs = store.packs;
    const pack = await buildPack(ws, { descriptor: descriptorFor("pos-client", "1.0.0") });
    expect((await packs.publish(pack)).ok).toBe(true);
    const signer = createSigner(generateSigningKeyPair().privateKeyPem);
    const ops = new ConsoleOperations({
      workstations: store.workstations,
      desiredState: store.desired,
      fleet: store.fleet,
      packs,
      audit: store.audit,
      desired: new DesiredPublisher(async () => {}, store.desired, signer, "tillroll/v1", Date.now),
      publicKey: "ed25519:x",
      agentBrokerUrl: "mqtt://127.0.0.1:1883",
      packBaseUrl: "http://127.0.0.1:8080",
      now: Date.now,
      isOnline: () => false,
      lastReport: () => null,
    });
    const enrolled = await ops.enrolMany(
      Array.from({ length: TILLS }, (_, i) => ({
        store: String(3001 + Math.floor(i / 10)),
        workstation: String((i % 10) + 1).padStart(2, "0"),
        group: "DE/North",
      })),
      TEST_ADMIN,
    );
    expect(enrolled.ok).toBe(true);

    // The coalesced append waits on a timer that now never fires by itself.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const answer = await ops.setPreferred(
      {
        function: "pos-client",
        version: "1.0.0",
        validFrom: null,
        install: true,
        filters: { function: ["pos-client"], group: ["DE"] },
        all: false,
        dryRun: false,
      },
      TEST_ADMIN,
    );
    expect(answer.ok && answer.value.changed.length).toBe(TILLS);
    expect(journalRows(ws.data)).toBe(TILLS);
    vi.useRealTimers();

    await fleet.close();
    const reopened = await FleetStore.open(ws.data, log);
    expect(reopened.table.size).toBe(TILLS);
    await reopened.close();
  }, 60_000);
});
