// Local timing of set-preferred over N enrolled tills (not a CI test: runs only with TILLROLL_TIMING=N).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createSigner, generateSigningKeyPair } from "@tillroll/protocol";
import { describe, expect, it } from "vitest";
import { DesiredPublisher } from "../../src/desired/desired-publisher.js";
import { ConsoleOperations } from "../../src/operations/console-operations.js";
import { JsonCoordinatorStore } from "../../src/store/json/json-store.js";
import { buildPack, descriptorFor, useWorkspace } from "../packs/pack-fixtures.js";

const N = Number(process.env.TILLROLL_TIMING ?? 0);
const ws = useWorkspace();
const ADMIN = { name: "test", role: "admin", scope: null } as const;

describe.runIf(N > 0)("set-preferred timing", () => {
  it(`over ${N} tills`, async () => {
    const workstations: Record<string, unknown> = {};
    const statusSeq: Record<string, number> = {};
    const hash = `$scrypt$ln=15,r=8,p=1$${"a".repeat(22)}$${"b".repeat(43)}`;
    const refs = Array.from({ length: N }, (_, i) => ({
      store: String(3001 + Math.floor(i / 10)),
      workstation: String((i % 10) + 1).padStart(2, "0"),
    }));
    for (const r of refs) {
      const key = `${r.store}/${r.workstation}`;
      workstations[key] = {
        ...r,
        group: "DE/North",
        agentSecretHash: hash,
        posSecretHash: hash,
        enrolledAt: "2026-11-21T09:30:00.000Z",
        mosquittoLines: {
          agent: `a-${key}:$7$101$${"x".repeat(120)}`,
          pos: `p-${key}:$7$101$${"y".repeat(120)}`,
        },
        capabilities: ["drain", "recipe"],
      };
      statusSeq[key] = 5;
    }
    writeFileSync(
      join(ws.data, "coordinator.json"),
      JSON.stringify({
        schemaVersion: 1,
        data: { workstations, desired: {}, desiredSeq: 0, statusSeq },
      }),
    );
    const store = await JsonCoordinatorStore.open({
      dir: ws.data,
      log: () => undefined,
      now: Date.now,
      packs: { tmpDir: ws.staging },
    });
    for (const v of ["1.0.0", "1.1.0", "1.2.0"]) {
      const pack = await buildPack(ws, { descriptor: descriptorFor("pos-client", v) });
      expect((await store.packs.publish(pack)).ok).toBe(true);
    }
    const now = new Date().toISOString();
    await store.files.fleet.upsertDurably(
      refs.map((r) => ({
        ...r,
        function: "pos-client",
        activeVersion: "1.0.0",
        preferredVersion: null,
        status: "OK" as const,
        phase: null,
        progress: null,
        reason: null,
        validFrom: null,
        requestId: null,
        group: "DE/North",
        online: true,
        updatedAt: now,
      })),
    );
    const signer = createSigner(generateSigningKeyPair().privateKeyPem);
    let published = 0;
    const ops = new ConsoleOperations({
      workstations: store.workstations,
      desiredState: store.desired,
      fleet: store.fleet,
      packs: store.packs,
      audit: store.audit,
      desired: new DesiredPublisher(
        async () => {
          published++;
        },
        store.desired,
        signer,
        "tillroll/v1",
        Date.now,
      ),
      publicKey: "ed25519:x",
      agentBrokerUrl: "mqtt://127.0.0.1:1883",
      packBaseUrl: "http://127.0.0.1:8080",
      now: Date.now,
      isOnline: () => true,
      lastReport: () => null,
    });
    for (const version of ["1.1.0", "1.2.0"]) {
      await new Promise((r) => setTimeout(r, 3000));
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      const answer = await ops.setPreferred(
        {
          function: "pos-client",
          version,
          validFrom: null,
          install: false,
          filters: { function: ["pos-client"] },
          all: true,
          dryRun: false,
        },
        ADMIN,
      );
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      expect(answer.ok && answer.value.changed.length).toBe(N);
      console.log(
        `TIMING set-preferred ${version} over ${N}: ${ms.toFixed(0)} ms (cpu ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms)`,
      );
    }
    await store.close();
  }, 600_000);
});
