// A release runner on real files: a JsonCoordinatorStore in a temp folder, a real
// DesiredPublisher whose retained publishes are recorded, the one desired-state applier, and
// agents played by hand (status rows recorded and handed to runner.onRows, as ingestion does).

import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSigner, generateSigningKeyPair, type Status } from "@tillroll/protocol";
import { DesiredPublisher } from "../../src/desired/desired-publisher.js";
import { rowKey, type ServiceRow } from "../../src/fleet/service-row.js";
import {
  type ApplyDeps,
  applyDesired,
  type DesiredRowChange,
} from "../../src/operations/apply-desired.js";
import { offeredPacks } from "../../src/operations/operations-deps.js";
import type { ReleaseSpec } from "../../src/releases/release-model.js";
import {
  type ReleasePlanner,
  ReleaseRunner,
  type ReleaseRunnerDeps,
} from "../../src/releases/release-runner.js";
import { JsonCoordinatorStore } from "../../src/store/json/json-store.js";
import { buildPack, descriptorFor } from "../packs/pack-fixtures.js";

export const T0 = Date.parse("2026-11-30T09:00:00.000Z");
export const FN = "pos-client";

/** One retained publish of a desired document: its topic and the request it carries for FN. */
export interface Published {
  readonly topic: string;
  readonly requestId: string | null;
  readonly version: string | null;
}

export interface Harness {
  readonly dir: string;
  store: JsonCoordinatorStore;
  runner: ReleaseRunner;
  /** What the runner was built from, for tests that build one with a part replaced. */
  runnerDeps: ReleaseRunnerDeps;
  readonly published: Published[];
  /** Every published desired entry of FN, whole (issue 11: window, redeploy). */
  readonly entries: Record<string, unknown>[];
  readonly logs: string[];
  clock: { now: number };
  /** Opens the store and a runner on the data folder (again, after `crash`). */
  open(options?: {
    planner?: ReleasePlanner;
    apply?: ApplyWrapper;
    /** Issue 11's deps (scheduleFacts, notices, capabilitiesOf, windowDeadline, tickMs). */
    extra?: Partial<ReleaseRunnerDeps>;
  }): Promise<void>;
  /** Drops the runner and store without a clean close, as kill -9 would (files stay). */
  crash(): Promise<void>;
  /** An agent's report: the row as ingestion records it, handed to the runner. */
  report(key: string, status: Status, activeVersion: string, reason?: string | null): Promise<void>;
  /** Lets coalesced evaluations run and finish. */
  settle(): Promise<void>;
  cleanup(): Promise<void>;
}

export type ApplyWrapper = (
  apply: (changes: readonly DesiredRowChange[]) => Promise<string[]>,
) => (changes: readonly DesiredRowChange[]) => Promise<unknown>;

/** Stores × tills, every row OK on 1.0.0. */
export async function makeHarness(
  stores: readonly string[] = ["1001", "1002", "1003"],
  tills: readonly string[] = ["01", "02"],
): Promise<Harness> {
  const root = mkdtempSync(join(tmpdir(), "tillroll-runner-"));
  const dir = join(root, "data");
  const staging = join(root, "staging");
  const build = join(root, "build");
  for (const folder of [dir, staging, build]) mkdirSync(folder);
  const signer = createSigner(generateSigningKeyPair().privateKeyPem);
  const published: Published[] = [];
  const entries: Record<string, unknown>[] = [];
  const logs: string[] = [];
  const clock = { now: T0 };
  let seq = 1;
  const h: Harness = {
    dir,
    store: undefined as unknown as JsonCoordinatorStore,
    runner: undefined as unknown as ReleaseRunner,
    runnerDeps: undefined as unknown as ReleaseRunnerDeps,
    published,
    entries,
    logs,
    clock,
    async open(options = {}) {
      const store = await JsonCoordinatorStore.open({
        dir,
        log: (line) => logs.push(line),
        now: () => clock.now,
        packs: { tmpDir: staging },
      });
      const desired = new DesiredPublisher(
        async (topic, payload) => {
          if (payload === "") return;
          const doc = JSON.parse(JSON.parse(payload).payload);
          const service = doc.services[FN];
          if (service !== undefined) entries.push(service);
          published.push({
            topic,
            requestId: service?.requestId ?? null,
            version: service?.preferredVersion ?? null,
          });
        },
        store.desired,
        signer,
        "tillroll/v1",
        () => clock.now,
      );
      const applyDeps: ApplyDeps = {
        workstations: store.workstations,
        desiredState: store.desired,
        fleet: store.fleet,
        packs: store.packs,
        desired,
        packBaseUrl: "http://127.0.0.1:8080",
        now: () => clock.now,
        isOnline: () => true,
      };
      const apply = (changes: readonly DesiredRowChange[]) => applyDesired(applyDeps, changes);
      h.store = store;
      h.runnerDeps = {
        releases: store.releases,
        fleet: store.fleet,
        desiredState: store.desired,
        packsOf: (fn) => offeredPacks(store, fn),
        apply: options.apply === undefined ? apply : options.apply(apply),
        now: () => clock.now,
        log: (line) => logs.push(line),
        ...(options.planner === undefined ? {} : { planner: options.planner }),
        ...options.extra,
      };
      h.runner = new ReleaseRunner(h.runnerDeps);
    },
    async crash() {
      await h.runner.close();
      await h.store.close();
    },
    async report(key, status, activeVersion, reason = null) {
      const [store = "", workstation = ""] = key.split("/");
      const before = await h.store.fleet.get(key);
      const entry = (await h.store.desired.servicesOf({ store, workstation }))[FN];
      const row: ServiceRow = {
        store,
        workstation,
        function: FN,
        activeVersion,
        preferredVersion: entry?.preferredVersion ?? null,
        status,
        phase: status === "In Progress" ? "installing" : null,
        progress: null,
        reason:
          reason ??
          (status === "Failed" || status === "Not Ready" || status === "Rolled Back"
            ? "why"
            : null),
        validFrom: entry?.validFrom ?? null,
        requestId: entry?.requestId ?? null,
        group: before?.group ?? null,
        online: true,
        updatedAt: new Date(clock.now).toISOString(),
      };
      seq += 1;
      await h.store.fleet.recordStatus({ ref: { store, workstation }, seq, rows: [row] });
      h.runner.onRows([row]);
    },
    async settle() {
      for (let i = 0; i < 5; i += 1) {
        await new Promise((resolve) => setImmediate(resolve));
        for (const id of (await h.store.releases.list()).map((r) => r.id))
          await h.runner.evaluate(id).catch(() => undefined);
      }
    },
    async cleanup() {
      await h.runner?.close().catch(() => undefined);
      await h.store?.close().catch(() => undefined);
      rmSync(root, { recursive: true, force: true });
    },
  };
  await h.open();
  const ws = { root, data: dir, staging, build, logs };
  for (const version of ["1.0.0", "1.1.0"]) {
    const published = await h.store.packs.publish(
      await buildPack(ws, { descriptor: descriptorFor(FN, version) }),
    );
    if (!published.ok) throw new Error(published.error);
  }
  await h.store.workstations.enrol(
    stores.flatMap((store) =>
      tills.map((workstation) => ({
        store,
        workstation,
        group: `DE/${store}`,
        agentSecretHash: "x",
        posSecretHash: "x",
        enrolledAt: new Date(T0).toISOString(),
      })),
    ),
  );
  await h.store.fleet.upsertRows(
    stores.flatMap((store) =>
      tills.map((workstation) => ({
        store,
        workstation,
        function: FN,
        activeVersion: "1.0.0",
        preferredVersion: null,
        status: "OK" as const,
        phase: null,
        progress: null,
        reason: null,
        validFrom: null,
        requestId: null,
        group: `DE/${store}`,
        online: true,
        updatedAt: new Date(T0).toISOString(),
      })),
    ),
  );
  return h;
}

/** The example, small: a pilot store, then the rest after an approval. */
export function spec(overrides: Partial<ReleaseSpec> = {}): ReleaseSpec {
  return {
    name: "pos-client 1.1.0 spring",
    function: FN,
    version: "1.1.0",
    target: { group: ["DE"] },
    stages: [
      { name: "pilot", target: { store: ["1001"] }, checkpoint: "none" },
      { name: "rest", checkpoint: "approval" },
    ],
    errorThreshold: "0%",
    successThreshold: "100%",
    stageTimeout: "2h",
    soak: "0s",
    maxPerStore: null,
    onError: "pause",
    schedule: null,
    forced: false,
    redeploy: false,
    allowDowngrade: false,
    notify: { partnerAdmins: true, storeContacts: false },
    ...overrides,
  };
}

export const keyOf = (store: string, workstation: string) =>
  rowKey({ store, workstation, function: FN });
