// A workstation removed while a change to it is being applied gets nothing back: no desired
// state, no fleet rows, no desired document.

import { createSigner, generateSigningKeyPair } from "@tillroll/protocol";
import { describe, expect, it } from "vitest";
import { DesiredPublisher } from "../../src/desired/desired-publisher.js";
import { ConsoleOperations, type OperationsDeps } from "../../src/operations/console-operations.js";
import { WorkstationAdmin } from "../../src/operations/workstation-admin.js";
import { JsonCoordinatorStore } from "../../src/store/json/json-store.js";
import { buildPack, descriptorFor, useWorkspace } from "../packs/pack-fixtures.js";

/** The platform admin the operations act as (issue 9: who is an operator, not a string). */
const TEST_ADMIN = { name: "test", role: "admin", scope: null } as const;

const ws = useWorkspace();

describe("workstation remove racing a set-preferred", () => {
  it("the change planned before the removal does not bring the workstation back", async () => {
    const log = () => undefined;
    const store = await JsonCoordinatorStore.open({
      dir: ws.data,
      log,
      now: Date.now,
      packs: { tmpDir: ws.staging },
    });
    const { state, fleet } = store.files;
    const packs = store.packs;
    const pack = await buildPack(ws, { descriptor: descriptorFor("pos-client", "1.0.0") });
    expect((await packs.publish(pack)).ok).toBe(true);
    const published: string[] = [];
    const deps: OperationsDeps = {
      workstations: store.workstations,
      desiredState: store.desired,
      fleet: store.fleet,
      packs,
      audit: store.audit,
      desired: new DesiredPublisher(
        async (topic, payload) => {
          if (payload !== "") published.push(topic);
        },
        store.desired,
        createSigner(generateSigningKeyPair().privateKeyPem),
        "tillroll/v1",
        Date.now,
      ),
      publicKey: "ed25519:x",
      agentBrokerUrl: "mqtt://127.0.0.1:1883",
      packBaseUrl: "http://127.0.0.1:8080",
      now: Date.now,
      isOnline: () => false,
      lastReport: () => null,
    };
    const ops = new ConsoleOperations(deps);
    const admin = new WorkstationAdmin({ ...deps, disconnect: () => 0, forget: () => {} });
    const enrolled = await ops.enrolMany(
      [
        { store: "1001", workstation: "01" },
        { store: "1001", workstation: "02" },
      ],
      TEST_ADMIN,
    );
    expect(enrolled.ok).toBe(true);

    // The removal's state change is queued first; the change is planned (from the rows the
    // removal has not dropped yet) and queued right after it.
    const removing = admin.remove({ store: "1001", workstation: "01" }, TEST_ADMIN);
    const setting = ops.setPreferred(
      {
        function: "pos-client",
        version: "1.0.0",
        validFrom: null,
        install: true,
        filters: { function: ["pos-client"], store: ["1001"] },
        all: false,
        dryRun: false,
      },
      TEST_ADMIN,
    );
    const [removed, set] = await Promise.all([removing, setting]);
    expect(removed.ok).toBe(true);
    expect(set.ok).toBe(true);
    expect(Object.keys(state.state.desired)).toEqual(["1001/02"]);
    expect(fleet.table.all().map((row) => row.workstation)).toEqual(["02"]);
    expect(published).toEqual(["tillroll/v1/ws/1001/02/desired"]);
    await fleet.close();
  });
});
