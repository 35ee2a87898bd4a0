import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Coordinator } from "../../src/coordinator.js";
import {
  chooseIngestMode,
  DEFAULT_REPLICA_GROUP,
  ingestFilters,
  refusedFilters,
} from "../../src/replicas/ingest-filters.js";

const ROOT = "tillroll/v1";

describe("chooseIngestMode", () => {
  it.each([
    [{ externalBroker: false, database: false }, { kind: "embedded" }],
    [{ externalBroker: false, database: true }, { kind: "embedded" }],
    [{ externalBroker: true, database: false }, { kind: "external" }],
    [
      { externalBroker: true, database: true },
      { kind: "replica", group: DEFAULT_REPLICA_GROUP },
    ],
    [
      { externalBroker: true, database: true, replicaGroup: "eu-west_2" },
      { kind: "replica", group: "eu-west_2" },
    ],
  ])("%o -> %o", (options, mode) => {
    expect(chooseIngestMode(options)).toEqual({ ok: true, value: mode });
  });

  it.each([
    [{ externalBroker: false, database: true, replicaGroup: "a" }, /needs --broker .* --database/],
    [{ externalBroker: true, database: false, replicaGroup: "a" }, /needs --broker .* --database/],
    [{ externalBroker: true, database: true, replicaGroup: "" }, /--replica-group "" must be/],
    [{ externalBroker: true, database: true, replicaGroup: "a/b" }, /"a\/b" must be .* no "\/"/],
    [{ externalBroker: true, database: true, replicaGroup: "a+" }, /must be/],
    [{ externalBroker: true, database: true, replicaGroup: "#" }, /must be/],
    [{ externalBroker: true, database: true, replicaGroup: "x".repeat(65) }, /1-64/],
  ])("refuses %o", (options, message) => {
    const mode = chooseIngestMode(options);
    expect(mode.ok).toBe(false);
    if (!mode.ok) expect(mode.error).toMatch(message);
  });
});

describe("ingestFilters", () => {
  it("embedded: status and presence (log lines come through beforeAck)", () => {
    expect(ingestFilters({ kind: "embedded" }, ROOT)).toEqual([
      "tillroll/v1/ws/+/+/status",
      "tillroll/v1/ws/+/+/presence",
    ]);
  });

  it("external: status, presence and log as they are", () => {
    expect(ingestFilters({ kind: "external" }, ROOT)).toEqual([
      "tillroll/v1/ws/+/+/status",
      "tillroll/v1/ws/+/+/presence",
      "tillroll/v1/ws/+/+/log",
    ]);
  });

  it("replica: each filter shared in the group", () => {
    expect(ingestFilters({ kind: "replica", group: "eu" }, "acme/tr")).toEqual([
      "$share/eu/acme/tr/ws/+/+/status",
      "$share/eu/acme/tr/ws/+/+/presence",
      "$share/eu/acme/tr/ws/+/+/log",
    ]);
  });
});

describe("Coordinator.start with --replica-group", () => {
  it.each([
    [{}, /needs --broker .* and --database/],
    [{ replicaGroupName: "a/b" }, /"a\/b" must be/],
  ])(
    "refuses a bad or lone --replica-group (%o) before touching the data folder",
    async (extra, message) => {
      const parent = await mkdtemp(join(tmpdir(), "tillroll-replica-group-"));
      const dataDir = join(parent, "data");
      try {
        await expect(
          Coordinator.start({
            dataDir,
            mqttPort: 0,
            httpPort: 0,
            replicaGroup: "replicaGroupName" in extra ? extra.replicaGroupName : "eu",
            log: () => undefined,
          }),
        ).rejects.toThrow(message);
        expect(existsSync(dataDir)).toBe(false);
      } finally {
        await rm(parent, { recursive: true, force: true });
      }
    },
  );
});

describe("refusedFilters", () => {
  it("names the filters a SUBACK refused (0x80 and MQTT 5 failure codes)", () => {
    expect(
      refusedFilters([
        { topic: "a", qos: 1 },
        { topic: "b", qos: 0x80 },
        { topic: "c", qos: 0 },
        { topic: "d", qos: 0x87 },
      ]),
    ).toEqual(["b", "d"]);
    expect(refusedFilters([{ topic: "a", qos: 1 }])).toEqual([]);
  });
});
