// Local timing of set-preferred over N enrolled tills (not a CI test: runs only with TILLROLL_TIMING=N).
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { createSigner, generateSigningKeyPair } from "@tillroll/protocol";
import { describe, expect, it } from "vitest";
import { startPostgres, testDatabase } from "../../../test/support/postgres.js";
import { DesiredPublisher } from "../../src/desired/desired-publisher.js";
import { ConsoleOperations } from "../../src/operations/console-operations.js";
import { openStore } from "../../src/store/open-store.js";
import { buildPack, descriptorFor, useWorkspace } from "../packs/pack-fixtures.js";

const N = Number(process.env.TILLROLL_TIMING ?? 0);
const ws = useWorkspace();
const ADMIN = { name: "test", role: "admin", scope: null } as const;

describe.runIf(N > 0)("set-preferred timing", () => {
  it(`over ${N} tills`, async () => {
    const hash = `$scrypt$ln=15,r=8,p=1$${"a".repeat(22)}$${"b".repeat(43)}`;
    const refs = Array.from({ length: N }, (_, i) => ({
      store: String(3001 + Math.floor(i / 10)),
      workstation: String((i % 10) + 1).padStart(2, "0"),
    }));
    // TILLROLL_TIMING_STORE=pg: the PostgreSQL store (a throw-away database).
    const pg = process.env.TILLROLL_TIMING_STORE === "pg";
    let database: Awaited<ReturnType<typeof testDatabase>> | undefined;
    if (pg) {
      await startPostgres();
      database = await testDatabase();
    }
    const store = await openStore({
      dataDir: ws.data,
      database: database?.url,
      log: () => undefined,
      now: Date.now,
      packs: { tmpDir: ws.staging },
    });
    const enrolled = await store.workstations.enrol(
      refs.map((r) => ({
        ...r,
        group: "DE/North",
        agentSecretHash: hash,
        posSecretHash: hash,
        enrolledAt: "2026-11-21T09:30:00.000Z",
        mosquittoLines: {
          agent: `a-${r.store}:$7$101$${"x".repeat(120)}`,
          pos: `p-${r.store}:$7$101$${"y".repeat(120)}`,
        },
        capabilities: ["drain", "recipe"],
      })),
    );
    expect(enrolled.ok).toBe(true);
    for (const v of ["1.0.0", "1.1.0", "1.2.0"]) {
      const pack = await buildPack(ws, { descriptor: descriptorFor("pos-client", v) });
      expect((await store.packs.publish(pack)).ok).toBe(true);
    }
    const now = new Date().toISOString();
    await store.fleet.upsertRows(
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

    const ops = new ConsoleOperations({
      workstations: store.workstations,
      desiredState: store.desired,
      fleet: store.fleet,
      packs: store.packs,
      audit: store.audit,
      desired: new DesiredPublisher(
        async () => undefined,
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
      // TILLROLL_TIMING_PROFILE=FILE: a CPU profile of the first answer alone.
      const profile = process.env.TILLROLL_TIMING_PROFILE;
      const session = profile !== undefined && version === "1.1.0" ? new Session() : null;
      if (session !== null) {
        session.connect();
        await session.post("Profiler.enable");
        await session.post("Profiler.start");
      }
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
      if (session !== null && profile !== undefined) {
        const { profile: taken } = await session.post("Profiler.stop");
        writeFileSync(profile, JSON.stringify(taken));
        session.disconnect();
      }
      expect(answer.ok && answer.value.changed.length).toBe(N);
      console.log(
        `TIMING set-preferred ${version} over ${N}: ${ms.toFixed(0)} ms (cpu ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms)`,
      );
    }
    await store.close();
    await database?.drop();
  }, 600_000);
});
