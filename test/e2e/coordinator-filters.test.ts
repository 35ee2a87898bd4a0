import { type ServiceStatus, STATUSES, type StatusDocument, topicFor } from "@tillroll/protocol";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CoordinatorKit, type JsonRow } from "./coordinator-kit.js";

const STORES = [
  { store: "1001", group: "DE/North" },
  { store: "1002", group: "DE/South" },
  { store: "1003", group: "AT" },
];
const WORKSTATIONS = ["01", "02", "03", "04"];
const FUNCTIONS = ["pos-client", "price-sync"];

/** A deterministic, varied fleet: 3 stores x 4 workstations x 2 functions. */
function serviceFor(storeIndex: number, wsIndex: number, fnIndex: number): ServiceStatus {
  const n = storeIndex * 8 + wsIndex * 2 + fnIndex;
  const status = STATUSES[n % STATUSES.length] ?? "OK";
  const active = `1.${n % 3}.0`;
  const preferred = status === "OK" && n % 4 === 0 ? null : `1.${(n % 3) + 1}.0`;
  return {
    status,
    activeVersion: active,
    preferredVersion: preferred,
    requestId: preferred === null ? null : `r${n}`,
    validFrom:
      preferred === null ? null : new Date(Date.UTC(2026, 10, 1 + (n % 10), 6)).toISOString(),
    phase: status === "In Progress" ? "downloading" : null,
    progress: status === "In Progress" ? 50 : null,
    reason: ["Not Ready", "Rolled Back", "Failed"].includes(status) ? `reason ${n}` : null,
    updatedAt: "2026-11-21T09:00:00.000Z",
  };
}

type Filter = Record<string, string>;

/** The expected rows, by a predicate written here independently of the product's. */
function expected(rows: JsonRow[], filter: Filter): string[] {
  const from =
    filter["valid-from-from"] === undefined ? null : Date.parse(filter["valid-from-from"]);
  const to = filter["valid-from-to"] === undefined ? null : Date.parse(filter["valid-from-to"]);
  // A list (comma-separated) matches any of its values.
  const want = (value: string | null, given: string | undefined) =>
    given === undefined ||
    given.split(",").some((one) => (one === "-" ? value === null : value === one));
  return rows
    .filter(
      (r) =>
        want(r.store, filter.store) &&
        want(r.workstation, filter.workstation) &&
        want(r.function, filter.function) &&
        want(r.activeVersion, filter["active-version"]) &&
        want(r.preferredVersion, filter["preferred-version"]) &&
        want(r.status, filter.status) &&
        (filter.group === undefined ||
          filter.group
            .split(",")
            .some((g) => r.group === g || (r.group ?? "").startsWith(`${g}/`))) &&
        (from === null || (r.validFrom !== null && Date.parse(r.validFrom) >= from)) &&
        (to === null || (r.validFrom !== null && Date.parse(r.validFrom) <= to)),
    )
    .map((r) => `${r.store}/${r.workstation}/${r.function}`);
}

describe("status filters of the seed against 3 stores x 4 workstations x 2 functions (real coordinator, real broker)", () => {
  let kit: CoordinatorKit;
  let all: JsonRow[];
  beforeAll(async () => {
    kit = await CoordinatorKit.create("filters");
    let brokerUrl = "";
    const creds: { store: string; workstation: string; username: string; password: string }[] = [];
    for (const { store, group } of STORES) {
      for (const workstation of WORKSTATIONS) {
        const enrolled = await kit.coordinator.consoleJson<{
          username: string;
          password: string;
          agentConfig: { broker: string };
        }>("workstation", "add", `${store}/${workstation}`, "--group", group);
        brokerUrl = enrolled.agentConfig.broker;
        creds.push({
          store,
          workstation,
          username: enrolled.username,
          password: enrolled.password,
        });
      }
    }
    // Each workstation reports over MQTT with its own credentials, as its agent would.
    for (const [i, c] of creds.entries()) {
      const client = await mqtt.connectAsync(brokerUrl, {
        username: c.username,
        password: c.password,
        clientId: `agent.${c.store}.${c.workstation}`,
        protocolVersion: 4,
      });
      const storeIndex = Math.floor(i / WORKSTATIONS.length);
      const wsIndex = i % WORKSTATIONS.length;
      const doc: StatusDocument = {
        schema: 1,
        seq: 1,
        ts: new Date().toISOString(),
        store: c.store,
        workstation: c.workstation,
        desiredSeq: null,
        services: Object.fromEntries(
          FUNCTIONS.map((fn, fnIndex) => [fn, serviceFor(storeIndex, wsIndex, fnIndex)]),
        ),
      };
      await client.publishAsync(topicFor("status", c), JSON.stringify(doc), {
        qos: 1,
        retain: true,
      });
      await client.endAsync();
    }
    all = await kit.until("24 rows", (rows) => rows.length === 24);
  });
  afterAll(async () => {
    await kit.close();
  });

  const alone: Filter[] = [
    { store: "1002" },
    { workstation: "03" },
    { function: "price-sync" },
    { "active-version": "1.1.0" },
    { "preferred-version": "1.2.0" },
    { "preferred-version": "-" },
    { status: "Failed" },
    { status: "not-ready" },
    { group: "DE" },
    { group: "DE/South" },
    { "valid-from-from": "2026-11-05T00:00:00Z" },
    { "valid-from-to": "2026-11-03T23:59:59Z" },
  ];
  const combined: Filter[] = [
    { store: "1001", function: "pos-client" },
    { group: "DE", status: "OK" },
    { group: "AT", "preferred-version": "-" },
    { function: "pos-client", "active-version": "1.0.0", group: "DE" },
    { "valid-from-from": "2026-11-02T00:00:00Z", "valid-from-to": "2026-11-06T23:59:59Z" },
    {
      "valid-from-from": "2026-11-02T00:00:00Z",
      "valid-from-to": "2026-11-06T23:59:59Z",
      group: "DE/North",
    },
    { store: "1003", workstation: "02", function: "price-sync" },
    { status: "In Progress", function: "pos-client", "preferred-version": "1.2.0" },
    { store: "1001", group: "AT" },
  ];
  // Lists: any value within a filter, every filter must hold.
  const lists: Filter[] = [
    { store: "1001,1003" },
    { workstation: "01,04", function: "price-sync" },
    { status: "Failed,OK,Prepared" },
    { "preferred-version": "1.3.0,-" },
    { group: "DE/South,AT", status: "OK" },
    { store: "1002,1003", "active-version": "1.0.0,1.2.0", function: "pos-client" },
  ];

  it("the fleet has every status and group", () => {
    expect(new Set(all.map((r) => r.status))).toEqual(new Set(STATUSES));
    expect(new Set(all.map((r) => r.group))).toEqual(new Set(["DE/North", "DE/South", "AT"]));
  });

  it.each(
    [...alone, ...combined, ...lists].map((filter) => ({ filter, name: JSON.stringify(filter) })),
  )("$name", async ({ filter }) => {
    const args = Object.entries(filter).flatMap(([name, value]) => [`--${name}`, value]);
    const rows = await kit.cliRows(...args);
    const keys = rows.map((r) => `${r.store}/${r.workstation}/${r.function}`);
    expect(keys).toEqual(
      expected(all, {
        ...filter,
        status: filter.status === "not-ready" ? "Not Ready" : (filter.status as string),
      }),
    );
  });

  it("a repeated flag is a list, like commas", async () => {
    const rows = await kit.cliRows(
      "--store",
      "1001",
      "--store",
      "1003",
      "--status",
      "ok",
      "--status",
      "failed",
    );
    const keys = rows.map((r) => `${r.store}/${r.workstation}/${r.function}`);
    expect(keys).toEqual(expected(all, { store: "1001,1003", status: "OK,Failed" }));
    expect(keys.length).toBeGreaterThan(0);
  });

  it("a bad filter is refused with a message naming it", async () => {
    await expect(kit.cliRows("--status", "Done")).rejects.toThrow(/status/);
    await expect(kit.cliRows("--valid-from-from", "yesterday")).rejects.toThrow(/valid-from-from/);
  });
});
