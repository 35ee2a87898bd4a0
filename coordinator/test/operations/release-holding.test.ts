// Rows an active release task holds are changed through the release only: set-preferred and
// retry skip them naming the release (issue 10), and change the other rows as before.

import { createSigner, generateSigningKeyPair } from "@tillroll/protocol";
import { describe, expect, it } from "vitest";
import { DesiredPublisher } from "../../src/desired/desired-publisher.js";
import { ConsoleOperations, type OperationsDeps } from "../../src/operations/console-operations.js";
import { JsonCoordinatorStore } from "../../src/store/json/json-store.js";
import { buildPack, descriptorFor, useWorkspace } from "../packs/pack-fixtures.js";

const TEST_ADMIN = { name: "test", role: "admin", scope: null } as const;
const HELD = "1001/01/pos-client";

const ws = useWorkspace();

async function setUp() {
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
  const published: string[] = [];
  let held = false;
  const deps: OperationsDeps = {
    workstations: store.workstations,
    desiredState: store.desired,
    fleet: store.fleet,
    packs: store.packs,
    audit: store.audit,
    desired: new DesiredPublisher(
      async (topic) => {
        published.push(topic);
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
    // The release takes the row once it exists (as a stage start would).
    releaseHolding: (key) => (held && key === HELD ? { id: "3", name: "spring" } : undefined),
  };
  const ops = new ConsoleOperations(deps);
  expect(
    (
      await ops.enrolMany(
        [
          { store: "1001", workstation: "01" },
          { store: "1001", workstation: "02" },
        ],
        TEST_ADMIN,
      )
    ).ok,
  ).toBe(true);
  // Rows for both tills, before the release holds one.
  const installed = await ops.setPreferred(
    {
      function: "pos-client",
      version: "1.0.0",
      validFrom: null,
      install: true,
      filters: { function: ["pos-client"] },
      all: true,
      dryRun: false,
    },
    TEST_ADMIN,
  );
  expect(installed.ok && installed.value.changed.length).toBe(2);
  published.length = 0;
  held = true;
  return { store, ops, published };
}

describe("rows held by an active release", () => {
  it("set-preferred skips them naming the release and changes the others", async () => {
    const { store, ops, published } = await setUp();
    const answer = await ops.setPreferred(
      {
        function: "pos-client",
        version: "1.1.0",
        validFrom: null,
        install: false,
        filters: { function: ["pos-client"] },
        all: true,
        dryRun: false,
      },
      TEST_ADMIN,
    );
    expect(answer.ok).toBe(true);
    if (!answer.ok) return;
    expect(answer.value.changed.map((c) => c.workstation)).toEqual(["02"]);
    expect(answer.value.skipped).toEqual([
      {
        kind: "skip",
        store: "1001",
        workstation: "01",
        function: "pos-client",
        reason: 'in release task 3 "spring": change it through the release',
      },
    ]);
    expect(
      (await store.desired.servicesOf({ store: "1001", workstation: "01" }))["pos-client"]
        ?.preferredVersion,
    ).toBe("1.0.0");
    expect(published).toEqual(["tillroll/v1/ws/1001/02/desired"]);
    const audit = (await store.audit.list()).at(-1);
    expect(audit?.touched).toEqual(["1001/02/pos-client"]);
    expect(audit?.skipped).toBe(1);
    await store.close();
  });

  it("retry skips them naming the release", async () => {
    const { store, ops, published } = await setUp();
    const failed = (await store.fleet.query({})).map((row) => ({
      ...row,
      status: "Failed" as const,
      reason: "health check failed",
    }));
    await store.fleet.upsertRows(failed);
    const answer = await ops.retry(
      { filters: { function: ["pos-client"] }, all: true, dryRun: false },
      TEST_ADMIN,
    );
    expect(answer.ok).toBe(true);
    if (!answer.ok) return;
    expect(answer.value.changed.map((c) => c.workstation)).toEqual(["02"]);
    expect(answer.value.skipped.map((c) => c.kind === "skip" && c.reason)).toEqual([
      'in release task 3 "spring": change it through the release',
    ]);
    expect(published).toEqual(["tillroll/v1/ws/1001/02/desired"]);
    await store.close();
  });

  it("the release is named even where another reason stands in the way too", async () => {
    const { store, ops } = await setUp();
    const answer = await ops.setPreferred(
      {
        function: "pos-client",
        version: "1.0.0",
        validFrom: null,
        install: false,
        filters: { function: ["pos-client"], store: ["1001"], workstation: ["01"] },
        all: false,
        dryRun: false,
      },
      TEST_ADMIN,
    );
    expect(answer.ok && answer.value.skipped.map((c) => c.kind === "skip" && c.reason)).toEqual([
      'in release task 3 "spring": change it through the release',
    ]);
    await store.close();
  });
});
