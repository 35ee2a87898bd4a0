// Pack list/withdraw and workstation list/remove/rekey against a real coordinator (embedded
// broker, HTTP API, temp data folder), with real MQTT logins: an old password is refused the
// moment a rekey or a removal is answered, and connections made with it are closed.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type StatusDocument, topicFor } from "@tillroll/protocol";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditEntry } from "../../src/audit/audit-log.js";
import type { ServiceRow } from "../../src/fleet/service-row.js";
import type { ChangeReport, EnrolResult } from "../../src/operations/console-operations.js";
import type { WithdrawResult } from "../../src/operations/pack-admin.js";
import type {
  RekeyResult,
  RemoveResult,
  WorkstationInfo,
} from "../../src/operations/workstation-admin.js";
import type { PackRecord } from "../../src/packs/pack-record.js";
import { buildPack, descriptorFor } from "../packs/pack-fixtures.js";
import { LiveCoordinator } from "./live-coordinator.js";

let live: LiveCoordinator;
beforeAll(async () => {
  live = await LiveCoordinator.start("admin-routes");
}, 30_000);
afterAll(async () => {
  await live?.close();
});

async function login(username: string, password: string, clientId: string): Promise<MqttClient> {
  return mqtt.connectAsync(live.coordinator.brokerUrl, {
    username,
    password,
    clientId,
    protocolVersion: 4,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: 5_000,
  });
}

/** The broker's verdict on a login: "accepted", or the refusal's message. */
async function loginVerdict(username: string, password: string, clientId: string) {
  try {
    const client = await login(username, password, clientId);
    await client.endAsync();
    return "accepted";
  } catch (error) {
    return (error as Error).message;
  }
}

function closed(client: MqttClient): Promise<void> {
  return new Promise((resolve) => client.once("close", () => resolve()));
}

async function enrol(store: string, workstation: string, group = "DE/West"): Promise<EnrolResult> {
  const answer = await live.call("POST", "/api/workstations", { store, workstation, group });
  expect(answer.status).toBe(201);
  return answer.body as EnrolResult;
}

function presence(seq: number, state: "online" | "offline" = "online") {
  return {
    schema: 1,
    seq,
    ts: new Date().toISOString(),
    store: "5005",
    workstation: "01",
    state,
    agentVersion: null,
  };
}

const audit = async () => (await live.call("GET", "/api/audit")).body as AuditEntry[];

describe("publish refuses a descriptor naming a file the pack lacks", () => {
  it("answers 400 naming the field and the path, and writes nothing", async () => {
    const before = await live.settled();
    const build = join(live.root, "build");
    const ws = { root: live.root, data: "", staging: "", build, logs: [] };
    const file = await buildPack(ws, {
      descriptor: descriptorFor("pos-client", "1.4.0", { hooks: { beforeInstall: "bin/pre.sh" } }),
    });
    const answer = await live.call("POST", "/api/packs", undefined, readFileSync(file));
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      error: "descriptor: hooks.beforeInstall names bin/pre.sh, which is not in the pack",
    });
    const after = await live.settled();
    expect(Object.keys(after).filter((name) => after[name] !== before[name])).toEqual([]);
  });
});

describe("pack list and withdraw", () => {
  it("lists the packs, narrowed by function", async () => {
    const all = (await live.call("GET", "/api/packs")).body as PackRecord[];
    expect(all.map((p) => p.version)).toEqual(["1.3.0", "1.2.0", "1.1.0", "1.0.0"]);
    const none = await live.call("GET", "/api/packs?function=kiosk");
    expect(none.body).toEqual([]);
    const bad = await live.call("GET", "/api/packs?status=OK");
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain("status");
  });

  it("withdraws 1.2.0: not offered, not settable; the row running it untouched; file still served", async () => {
    const rowsBefore = (await live.call("GET", "/api/status?store=3003")).body as ServiceRow[];
    const answer = await live.call("POST", "/api/packs/withdraw", {
      name: "pos-client",
      version: "1.2.0",
    });
    expect(answer.status).toBe(200);
    const pack = answer.body as WithdrawResult;
    expect(pack.pendingRows).toBe(0);
    expect(pack.withdrawnAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(pack.withdrawnBy).toBe("admin");

    const listed = (await live.call("GET", "/api/packs?function=pos-client")).body as PackRecord[];
    expect(listed.find((p) => p.version === "1.2.0")?.withdrawnAt).toBe(pack.withdrawnAt);
    expect(listed.find((p) => p.version === "1.3.0")?.withdrawnAt).toBeUndefined();

    // 1001/02 runs 1.1.0: 1.2.0 (>=1.1.0) was offered before, and is no more.
    const versions = await live.call("GET", "/api/versions?function=pos-client&store=1001");
    const offered = (versions.body as { versions: { version: string }[] }).versions;
    expect(offered.map((v) => v.version)).toEqual(["-", "1.3.0", "1.1.0", "1.0.0"]);

    const refused = await live.call("POST", "/api/set-preferred", {
      function: "pos-client",
      version: "1.2.0",
      filters: { store: "1001", workstation: "02" },
    });
    expect(refused.status).toBe(400);
    expect((refused.body as { error: string }).error).toBe(
      `pos-client 1.2.0 was withdrawn on ${pack.withdrawnAt} by ${pack.withdrawnBy}: it cannot be chosen; rows already running it are untouched`,
    );

    // 3003/01 runs 1.2.0 and is untouched; agents mid-install can still download the file.
    expect((await live.call("GET", "/api/status?store=3003")).body).toEqual(rowsBefore);
    const file = await fetch(`${live.url}/packs/${pack.sha256}.tgz`);
    expect(file.status).toBe(200);
    expect((await file.arrayBuffer()).byteLength).toBe(pack.size);

    const entry = (await audit()).at(-1);
    expect(entry).toMatchObject({
      action: "pack withdraw",
      details: { name: "pos-client", version: "1.2.0", sha256: pack.sha256 },
      touched: ["pos-client@1.2.0"],
    });
  });

  it("refuses withdrawing again, an unknown version and an unknown function", async () => {
    const again = await live.call("POST", "/api/packs/withdraw", {
      name: "pos-client",
      version: "1.2.0",
    });
    expect(again.status).toBe(400);
    expect((again.body as { error: string }).error).toMatch(
      /^pos-client 1\.2\.0 was withdrawn on .* by admin; nothing changed$/,
    );
    const unknown = await live.call("POST", "/api/packs/withdraw", {
      name: "pos-client",
      version: "9.9.9",
    });
    expect((unknown.body as { error: string }).error).toBe(
      "no published pack pos-client 9.9.9 (published: 1.3.0, 1.2.0, 1.1.0, 1.0.0)",
    );
    const fn = await live.call("POST", "/api/packs/withdraw", { name: "kiosk", version: "1.0.0" });
    expect((fn.body as { error: string }).error).toBe(
      "no published pack kiosk 1.0.0 (no version of kiosk is published)",
    );
  });

  it("a retry does not send a new request for a withdrawn version", async () => {
    // 3003/01 failed on its way to 1.3.0; with 1.3.0 withdrawn a retry skips it.
    const withdrawn = await live.call("POST", "/api/packs/withdraw", {
      name: "pos-client",
      version: "1.3.0",
    });
    expect(withdrawn.status).toBe(200);
    // Its request for 1.3.0 was sent before: counted, not taken back.
    expect((withdrawn.body as WithdrawResult).pendingRows).toBe(1);
    const retry = await live.call("POST", "/api/retry", { filters: { store: "3003" } });
    const report = retry.body as ChangeReport;
    expect(report.changed).toEqual([]);
    expect(report.skipped).toHaveLength(1);
    expect(report.skipped[0]).toMatchObject({ kind: "skip", store: "3003" });
    expect(report.skipped[0]?.kind === "skip" && report.skipped[0].reason).toMatch(
      /^pos-client 1\.3\.0 was withdrawn on .*: choose another version with set-preferred$/,
    );
  });
});

describe("workstation list, rekey, remove", () => {
  it("lists the enrolled workstations, narrowed by store, workstation and group", async () => {
    const all = (await live.call("GET", "/api/workstations")).body as WorkstationInfo[];
    expect(all.map((w) => `${w.store}/${w.workstation}`)).toEqual([
      "1001/01",
      "1001/02",
      "2002/01",
      "3003/01",
    ]);
    expect(all[0]).toMatchObject({ group: "DE/North", online: false, services: 1 });
    expect(all[0]?.enrolledAt).toMatch(/^\d{4}-/);
    const de = (await live.call("GET", "/api/workstations?group=DE")).body as WorkstationInfo[];
    expect(de).toHaveLength(3);
    const one = await live.call("GET", "/api/workstations?store=1001&workstation=02");
    expect((one.body as WorkstationInfo[]).map((w) => w.workstation)).toEqual(["02"]);
    const bad = await live.call("GET", "/api/workstations?function=pos-client");
    expect(bad.status).toBe(400);
    expect((bad.body as { error: string }).error).toContain("function");
  });

  it("rekey: new logins work, the old ones are refused at once, old connections closed", async () => {
    const first = await enrol("4004", "01");
    const agent = await login(first.username, first.password, `agent.4004.01`);
    const pos = await login(first.posUsername, first.posPassword, "pos-4004-01");
    const agentClosed = closed(agent);
    const posClosed = closed(pos);

    const answer = await live.call("POST", "/api/workstations/rekey", {
      store: "4004",
      workstation: "01",
    });
    expect(answer.status).toBe(200);
    const rekeyed = answer.body as RekeyResult;
    expect(rekeyed.disconnected).toBe(2);
    expect(rekeyed.username).toBe(first.username);
    expect(rekeyed.password).not.toBe(first.password);
    expect(rekeyed.posPassword).not.toBe(first.posPassword);
    expect(rekeyed.agentConfig).toMatchObject({
      store: "4004",
      workstation: "01",
      group: "DE/West",
      username: first.username,
      password: rekeyed.password,
      broker: live.coordinator.brokerUrl,
    });
    await agentClosed;
    await posClosed;
    agent.end(true);
    pos.end(true);

    // The old passwords were verified (and remembered) before: refused all the same.
    expect(await loginVerdict(first.username, first.password, "agent.4004.01")).toMatch(
      /Not authorized|Bad username or password/,
    );
    expect(await loginVerdict(first.posUsername, first.posPassword, "pos-4004-01b")).toMatch(
      /Not authorized|Bad username or password/,
    );
    expect(await loginVerdict(rekeyed.username, rekeyed.password, "agent.4004.01")).toBe(
      "accepted",
    );
    expect(await loginVerdict(rekeyed.posUsername, rekeyed.posPassword, "pos-4004-01c")).toBe(
      "accepted",
    );
    expect((await audit()).at(-1)).toMatchObject({
      action: "workstation rekey",
      details: { store: "4004", workstation: "01", disconnected: 2 },
      touched: ["4004/01"],
    });
    // The answer carries no hash, and the enrolment date is kept.
    expect(JSON.stringify(rekeyed)).not.toContain("scrypt");
  });

  it("remove: logins refused, connection closed, rows and desired state gone, audited", async () => {
    const enrolled = await enrol("5005", "01");
    const agent = await login(enrolled.username, enrolled.password, "agent.5005.01");
    // The old till's seqs are high: a new till under the same id starts at 1 again.
    await agent.publishAsync(topicFor("presence", enrolled), JSON.stringify(presence(7)), {
      qos: 1,
      retain: true,
    });
    const doc: StatusDocument = {
      schema: 1,
      seq: 7,
      ts: new Date().toISOString(),
      store: "5005",
      workstation: "01",
      desiredSeq: null,
      services: {
        "pos-client": {
          status: "OK",
          activeVersion: "1.0.0",
          preferredVersion: null,
          requestId: null,
          validFrom: null,
          phase: null,
          progress: null,
          reason: null,
          updatedAt: "2026-11-21T09:00:00.000Z",
        },
      },
    };
    await agent.publishAsync(topicFor("status", enrolled), JSON.stringify(doc), {
      qos: 1,
      retain: true,
    });
    await expect
      .poll(async () => ((await live.call("GET", "/api/status?store=5005")).body as []).length)
      .toBe(1);
    const set = await live.call("POST", "/api/set-preferred", {
      function: "pos-client",
      version: "1.1.0",
      filters: { store: "5005" },
    });
    expect((set.body as ChangeReport).changed).toHaveLength(1);
    // Its last presence: offline, seq 8 (what its last will would say).
    await agent.publishAsync(
      topicFor("presence", enrolled),
      JSON.stringify(presence(8, "offline")),
      {
        qos: 1,
        retain: true,
      },
    );
    await expect
      .poll(async () => (await live.call("GET", "/api/workstations?store=5005")).body)
      .toMatchObject([{ online: false }]);
    const agentClosed = closed(agent);

    const answer = await live.call("POST", "/api/workstations/remove", {
      store: "5005",
      workstation: "01",
    });
    expect(answer.status).toBe(200);
    expect(answer.body as RemoveResult).toEqual({
      store: "5005",
      workstation: "01",
      removedRows: 1,
      disconnected: 1,
    });
    await agentClosed;
    agent.end(true);
    expect(await loginVerdict(enrolled.username, enrolled.password, "agent.5005.01")).toMatch(
      /Not authorized|Bad username or password/,
    );
    expect(await loginVerdict(enrolled.posUsername, enrolled.posPassword, "pos-5005")).toMatch(
      /Not authorized|Bad username or password/,
    );
    expect((await live.call("GET", "/api/status?store=5005")).body).toEqual([]);
    const listed = (await live.call("GET", "/api/workstations?store=5005")).body;
    expect(listed).toEqual([]);
    const state = JSON.parse(readFileSync(join(live.dataDir, "coordinator.json"), "utf8")) as {
      data: { workstations: object; desired: object };
    };
    expect(Object.keys(state.data.workstations)).not.toContain("5005/01");
    expect(Object.keys(state.data.desired)).not.toContain("5005/01");
    expect((await audit()).at(-1)).toMatchObject({
      action: "workstation remove",
      details: { store: "5005", workstation: "01", removedRows: 1, disconnected: 1 },
      touched: ["5005/01", "5005/01/pos-client"],
    });

    // Enrolled again under the same id: a fresh till with fresh logins, no retained desired
    // document of the old one, and its first presence and status (seq 1) are taken.
    const again = await enrol("5005", "01");
    const fresh = await login(again.username, again.password, "agent.5005.01");
    const desired: string[] = [];
    fresh.on("message", (_topic, payload) => desired.push(payload.toString()));
    await fresh.subscribeAsync(topicFor("desired", again), { qos: 1 });
    await fresh.publishAsync(topicFor("presence", again), JSON.stringify(presence(1)), {
      qos: 1,
      retain: true,
    });
    await fresh.publishAsync(topicFor("status", again), JSON.stringify({ ...doc, seq: 1 }), {
      qos: 1,
      retain: true,
    });
    await expect
      .poll(async () => (await live.call("GET", "/api/workstations?store=5005")).body)
      .toMatchObject([{ store: "5005", online: true, services: 1 }]);
    expect(desired).toEqual([]);
    await fresh.endAsync();
  });

  it("refuses removing or rekeying a workstation that is not enrolled, changing nothing", async () => {
    const before = await live.settled();
    for (const path of ["/api/workstations/remove", "/api/workstations/rekey"]) {
      const answer = await live.call("POST", path, { store: "9009", workstation: "01" });
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({
        error:
          "workstation 9009/01 is not enrolled (tillroll workstation list shows the enrolled ones)",
      });
    }
    const after = await live.settled();
    expect(Object.keys(after).filter((name) => after[name] !== before[name])).toEqual([]);
  });
});
