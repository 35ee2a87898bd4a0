import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FleetSim, startFleetSim } from "../sim/fleet-sim.js";
import { buildPack } from "../support/packs.js";
import { type TestDatabase, testDatabase } from "../support/postgres.js";
import { type TempDir, tempDir } from "../support/temp.js";
import { AgentProcess } from "./agent-harness.js";
import { killProcessesUnder } from "./agent-kit.js";
import { CoordinatorProcess } from "./coordinator-harness.js";
import { startMosquitto } from "./mosquitto.js";
import { installsOf, type ReleaseView, recordingPack } from "./release-probes.js";
import { type Answer, ApiPoller, FleetObserver, startPackServer } from "./replica-observers.js";

/**
 * Issue 14, acceptance 2: two coordinator processes (replicas A and B) on one
 * PostgreSQL and one Mosquitto, two real agents and ~150 simulated tills. A
 * release in three stages starts on the leader A; mid-stage-2 A is killed
 * with SIGKILL. B must lead within 10 s and finish the release; every member
 * gets exactly one desired document asking for the version and installs it
 * once; the store ends with every row as its till last reported it; B's API
 * answers throughout. The figures are printed.
 *
 * PostgreSQL whatever TILLROLL_TEST_STORE says (replicas need it): it runs
 * once per suite run, alone (vitest.config.ts ALONE; store-files.ts keeps it
 * out of the PostgreSQL project).
 */

const VERSION = "1.1.0";
const FN = "pos-client";
/** Real agents: one in the stage that is cut, one in the stage B runs alone. */
const AGENTS = ["1001/01", "1002/01"];
/** Simulated tills: 15 stores × 10 (2001..2015). */
const SIM_STORES = Array.from({ length: 15 }, (_, i) => String(2001 + i));
const SIM_TILLS = SIM_STORES.flatMap((store) =>
  Array.from({ length: 10 }, (_, i) => ({ store, workstation: String(i + 1).padStart(2, "0") })),
);
const LEADS = "leader lease: follower -> leader";

const RELEASE = {
  name: `pos-client ${VERSION} failover`,
  function: FN,
  version: VERSION,
  target: { group: ["DE"] },
  stages: [
    { name: "pilot", target: { store: ["2001"] } },
    { name: "wave", target: { store: ["1001", "2002", "2003", "2004", "2005", "2006"] } },
    { name: "rest" },
  ],
  errorThreshold: "0%",
  successThreshold: "100%",
  stageTimeout: "60s",
  soak: "0s",
  onError: "pause",
};

async function until<T>(what: string, test: () => T | undefined | false, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = test();
    if (found !== undefined && found !== false) return found;
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const leads = (c: CoordinatorProcess) => c.output.some((line) => line.includes(LEADS));

describe("two replicas: the leader is killed mid-release", { timeout: 150_000 }, () => {
  let dir: TempDir;
  let database: TestDatabase;
  let stopMosquitto: (() => Promise<void>) | undefined;
  let packs: Awaited<ReturnType<typeof startPackServer>> | undefined;
  const coordinators: CoordinatorProcess[] = [];
  const agents: AgentProcess[] = [];
  let sim: FleetSim | undefined;
  let observer: FleetObserver | undefined;

  beforeAll(async () => {
    dir = await tempDir("replica-failover");
    database = await testDatabase();
  }, 60_000);

  afterAll(async () => {
    await sim?.close().catch(() => undefined);
    await observer?.close().catch(() => undefined);
    for (const agent of agents) await agent.close().catch(() => undefined);
    for (const c of coordinators) await c.kill9().catch(() => undefined);
    await packs?.stop();
    await stopMosquitto?.();
    await database?.drop().catch(() => undefined);
    if (dir !== undefined) {
      await killProcessesUnder(dir.path);
      await dir.cleanup();
    }
  });

  it("the other replica leads within 10 s and finishes it: one send per row, no status lost, the API answers throughout", async () => {
    const began = Date.now();
    const mosquitto = await startMosquitto(dir.path);
    stopMosquitto = mosquitto.stop;
    // One data folder (signing key, operator token, pack bytes) both replicas reach.
    const dataDir = join(dir.path, "data");
    await mkdir(dataDir, { recursive: true });
    packs = await startPackServer(dataDir);
    const flags = ["--replica-group", "tillroll", "--pack-base-url", packs.url];
    const a = await CoordinatorProcess.create(dataDir, mosquitto.url, {
      database,
      extraArgs: flags,
    });
    coordinators.push(a);
    await a.start();
    await until("A leads", () => leads(a), 10_000);
    const b = await CoordinatorProcess.create(dataDir, mosquitto.url, {
      database,
      extraArgs: flags,
    });
    coordinators.push(b);
    await b.start();

    // The fleet, enrolled through A (the leader): two real agents and the simulator.
    for (const version of ["1.0.0", VERSION]) {
      const pack = await buildPack(join(dir.path, "packs", version), recordingPack(version, {}, 1));
      await a.apiPost("/api/packs", await readFile(pack.path), 201);
    }
    let coordinatorKey = "";
    for (const id of AGENTS) {
      const [store = "", workstation = ""] = id.split("/");
      const enrolled = await a.apiPost<{
        username: string;
        password: string;
        agentConfig: { broker: string; coordinatorKey: string };
      }>("/api/workstations", { store, workstation, group: "DE" }, 201);
      coordinatorKey = enrolled.agentConfig.coordinatorKey;
      const agentDir = join(dir.path, `ws-${store}-${workstation}`);
      await mkdir(agentDir, { recursive: true });
      const agent = new AgentProcess({
        dir: agentDir,
        brokerUrl: enrolled.agentConfig.broker,
        coordinatorKey,
        store,
        workstation,
        readiness: [],
        recheckSeconds: 0.3,
        extraConfig: {
          username: enrolled.username,
          password: enrolled.password,
          group: "DE",
          reconnectMaxSeconds: 2,
        },
      });
      agents.push(agent);
      await agent.start();
    }
    await a.apiPost(
      "/api/workstations",
      { workstations: SIM_TILLS.map((ws) => ({ ...ws, group: "DE" })) },
      201,
    );
    observer = await FleetObserver.start(mosquitto.url, coordinatorKey, FN);
    sim = await startFleetSim({
      brokerUrl: mosquitto.url,
      coordinatorKey,
      workstations: SIM_TILLS,
      initialVersion: "1.0.0",
      seed: 14,
      // Long enough that stage 2 is still under way when A is killed.
      installMs: { min: 1_000, max: 3_000 },
    });
    // The agents start on 1.0.0, then nothing preferred (as release-kit's fleet does).
    const agentStores = { store: AGENTS.map((id) => id.split("/")[0]) };
    const setPreferred = (version: string, install: boolean) =>
      a.apiPost("/api/set-preferred", {
        function: FN,
        version,
        install,
        filters: agentStores,
        all: false,
        dryRun: false,
      });
    await setPreferred("1.0.0", true);
    const total = AGENTS.length + SIM_TILLS.length;
    type Row = {
      store: string;
      workstation: string;
      status: string;
      activeVersion: string | null;
      preferredVersion: string | null;
      online: boolean;
    };
    const rowsOn = (c: CoordinatorProcess) => c.apiGet<Row[]>("/api/status");
    const untilRows = async (
      what: string,
      c: CoordinatorProcess,
      done: (rows: Row[]) => boolean,
    ) => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const rows = await rowsOn(c);
        if (rows.length === total && done(rows)) return rows;
        if (Date.now() > deadline) {
          const other = await rowsOn(c === a ? b : a).catch(() => []);
          const describe = (r: Row) => {
            const id = `${r.store}/${r.workstation}`;
            const there = other.find((o) => `${o.store}/${o.workstation}` === id);
            return `${id}: ${JSON.stringify(r)}\n  other replica: ${JSON.stringify(there)}\n  last published: ${JSON.stringify(observer?.lastStatus(id))}`;
          };
          throw new Error(
            `not within 30 s: ${what}; ${rows.length} rows\n${rows
              .filter((r) => !done([r]))
              .slice(0, 5)
              .map(describe)
              .join(
                "\n",
              )}\n${agents.map((x) => `--- agent\n${x.output.slice(-15).join("\n")}`).join("\n")}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    };
    await untilRows("1.0.0 on every till", a, (rows) =>
      rows.every((r) => r.status === "OK" && r.activeVersion === "1.0.0"),
    );
    await setPreferred("-", false);
    // B sees the whole fleet as A does (rows and presence A or B ingested), on both replicas.
    for (const [name, c] of [
      ["A", a],
      ["B", b],
    ] as const)
      await untilRows(
        `${name}: 1.0.0 everywhere, nothing preferred, every till online`,
        c,
        (rows) =>
          rows.every(
            (r) =>
              r.status === "OK" &&
              r.activeVersion === "1.0.0" &&
              r.preferredVersion === null &&
              r.online,
          ),
      );
    const setUpMs = Date.now() - began;

    // The release, created and started on the leader.
    const created = await a.apiPost<ReleaseView>("/api/releases", RELEASE, 201);
    const releaseStarted = Date.now();
    await a.apiPost("/api/releases/start", { id: created.id });
    const poller = new ApiPoller(
      `${b.url}/api/releases/show?id=${encodeURIComponent(created.id)}`,
      await b.token(),
    );
    const view = () => poller.last as ReleaseView | undefined;
    const wave = (r: ReleaseView | undefined) => r?.stages.find((s) => s.name === "wave");
    // Stage 2 sent, some rows OK, not all.
    const cut = await until(
      "stage 2 under way (some OK, not all)",
      () => {
        const stage = wave(view());
        const ok = stage?.counts.OK ?? 0;
        return stage?.state === "Running" && ok >= 1 && ok < (stage.counts.total ?? 0)
          ? { ok, total: stage.counts.total ?? 0 }
          : undefined;
      },
      45_000,
    );
    const killedAt = Date.now();
    await a.kill9();
    await until(`B leads\n${b.output.slice(-20).join("\n")}`, () => leads(b), 15_000);
    const takeoverMs = Date.now() - killedAt;
    const done = await until(
      "the release is Successful on B",
      () => (view()?.state === "Successful" ? view() : undefined),
      60_000,
    ).catch(async (error: Error) => {
      const stuck = (await rowsOn(b)).filter(
        (r) => r.status !== "OK" || r.activeVersion !== VERSION,
      );
      throw new Error(
        `${error.message}\n${JSON.stringify(view()?.stages.map((s) => [s.name, s.state, s.counts]))}\n--- rows not OK on ${VERSION} on B, with the last status each till published\n${stuck
          .map(
            (r) =>
              `${r.store}/${r.workstation} ${r.status} ${r.activeVersion}; last published ${JSON.stringify(observer?.lastStatus(`${r.store}/${r.workstation}`))}`,
          )
          .join("\n")}\n--- B\n${b.output.slice(-40).join("\n")}`,
      );
    });
    const releaseMs = Date.now() - releaseStarted;
    // Reports still on their way settle (the agents' last statuses after OK).
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const answers = await poller.stop();
    const rows = await rowsOn(b);

    // Figures.
    const during = answers.filter(
      (x) => x.at >= killedAt - 1_000 && x.at <= killedAt + takeoverMs + 1_000,
    );
    const ok2xx = (list: Answer[]) => list.filter((x) => x.status >= 200 && x.status < 300).length;
    const longest = Math.max(...answers.map((x) => x.ms));
    const ids = [...AGENTS, ...SIM_TILLS.map((ws) => `${ws.store}/${ws.workstation}`)];
    const desiredPerRow = ids.map((id) => observer?.desiredFor(id, VERSION) ?? 0);
    const simInstalls = SIM_TILLS.map((ws) =>
      observer?.installsStarted(`${ws.store}/${ws.workstation}`, VERSION),
    );
    const agentInstalls = await Promise.all(
      agents.map(
        async (agent) => (await installsOf(agent)).filter((i) => i.version === VERSION).length,
      ),
    );
    const stats = sim.stats();
    const rowOf = (id: string) => rows.find((r) => `${r.store}/${r.workstation}` === id);
    const mismatched = ids.filter((id) => {
      const last = observer?.lastStatus(id);
      const row = rowOf(id);
      return (
        last === undefined ||
        row === undefined ||
        last.status !== row.status ||
        last.activeVersion !== row.activeVersion
      );
    });
    const histogram = (values: number[]) => {
      const counts = new Map<number, number>();
      for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
      return [...counts]
        .sort(([x], [y]) => x - y)
        .map(([v, n]) => `${n}×${v}`)
        .join(" ");
    };
    console.log(
      [
        "replica failover figures:",
        `  fleet                         ${AGENTS.length} real agents + ${SIM_TILLS.length} simulated tills, set-up ${(setUpMs / 1000).toFixed(1)} s`,
        `  killed A at stage 2           ${cut.ok}/${cut.total} rows OK`,
        `  takeover (kill -> B leads)    ${takeoverMs} ms; ${b.output.find((line) => line.includes("retained reports sweep:"))?.replace(/^\S+ /, "") ?? "no sweep logged"}`,
        `  release total (start -> Successful on B)  ${(releaseMs / 1000).toFixed(1)} s`,
        `  API answers on B (whole run)  ${ok2xx(answers)}/${answers.length} 2xx, longest ${longest} ms`,
        `  API answers on B (kill ±1 s through takeover)  ${ok2xx(during)}/${during.length} 2xx, longest ${Math.max(0, ...during.map((x) => x.ms))} ms`,
        `  statuses published (observer) ${observer?.statusCount()}; simulator sent ${stats.statusesSent}`,
        `  rows on B                     ${rows.length}, OK on ${VERSION}: ${rows.filter((r) => r.status === "OK" && r.activeVersion === VERSION).length}; last status ≠ row: ${mismatched.length}`,
        `  desired docs asking ${VERSION} per row  ${histogram(desiredPerRow)}`,
        `  installs per simulated till   ${histogram(simInstalls.map((n) => n ?? 0))}; per real agent ${agentInstalls.join(", ")}`,
        ...done.stages.map(
          (st) =>
            `  stage ${st.name.padEnd(22)} ${st.state}: ${st.members.length} members, OK ${st.counts.OK}, skipped ${st.skipped.length}${st.skipped.length > 0 ? ` (${st.skipped[0]?.reason})` : ""}`,
        ),
        `  simulator: desired received ${stats.desiredReceived}, stale ${stats.desiredStale}, rejected ${stats.desiredRejected}; pack downloads ${packs.requests()}`,
      ].join("\n"),
    );

    expect(takeoverMs).toBeLessThanOrEqual(10_000);
    expect(done.state).toBe("Successful");
    expect(answers.filter((x) => x.status < 200 || x.status >= 300)).toEqual([]);
    expect(rows).toHaveLength(total);
    expect(
      rows.filter((r) => r.status !== "OK" || r.activeVersion !== VERSION || !r.online),
    ).toEqual([]);
    expect(mismatched).toEqual([]);
    expect(desiredPerRow.every((n) => n === 1)).toBe(true);
    expect(simInstalls.every((n) => n === 1)).toBe(true);
    expect(agentInstalls).toEqual([1, 1]);
    expect(observer.bad).toBe(0);
    expect(stats.errors).toBe(0);
  });
});
