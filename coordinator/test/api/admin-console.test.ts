// `tillroll pack list|withdraw` and `tillroll workstation list|remove|rekey`: the built console
// against a live coordinator, with the exit codes the help promises.

import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT_CODES } from "../../src/cli/exit-codes.js";
import type { RekeyResult, WorkstationInfo } from "../../src/operations/workstation-admin.js";
import type { PackRecord } from "../../src/packs/pack-record.js";
import { LiveCoordinator } from "./live-coordinator.js";

describe("pack and workstation administration from the console", { timeout: 60_000 }, () => {
  let live: LiveCoordinator;
  beforeAll(async () => {
    live = await LiveCoordinator.start("admin-console");
  }, 30_000);
  afterAll(async () => {
    await live?.close();
  });

  const tillroll = (...args: string[]) => live.tillroll(...args);

  it("pack list shows a table, --json the records; withdraw marks one", async () => {
    const table = await tillroll("pack", "list");
    expect(table.code).toBe(EXIT_CODES.ok);
    expect(table.stdout.split("\n")[0]).toMatch(
      /^NAME\s+VERSION\s+UPDATABLE FROM\s+SIZE\s+PUBLISHED AT\s+WITHDRAWN$/,
    );
    expect(table.stdout).toMatch(/pos-client\s+1\.0\.0\s+any\s+\d+\s+\S+Z\s+-/);

    const withdrawn = await tillroll("pack", "withdraw", "pos-client", "1.1.0");
    expect(withdrawn.code).toBe(EXIT_CODES.ok);
    expect(withdrawn.stdout).toContain("Withdrew pos-client 1.1.0");
    // 2002/01 is on its way to 1.1.0: told, with the commands to find and move it.
    expect(withdrawn.stdout).toContain(
      "1 row(s) still have a request for it (tillroll status --function pos-client --preferred-version 1.1.0);",
    );

    const json = await tillroll("pack", "list", "--function", "pos-client", "--json");
    const packs = JSON.parse(json.stdout) as PackRecord[];
    expect(packs.find((p) => p.version === "1.1.0")?.withdrawnBy).toBe("admin");
    expect((await tillroll("pack", "list")).stdout).toMatch(/1\.1\.0 .* by admin/);

    const again = await tillroll("pack", "withdraw", "pos-client", "1.1.0");
    expect(again.code).toBe(EXIT_CODES.error);
    expect(again.stderr).toMatch(/^tillroll: pos-client 1\.1\.0 was withdrawn on /);
    const chosen = await tillroll(
      "set-preferred",
      "--function",
      "pos-client",
      "--version",
      "1.1.0",
      "--store",
      "1001",
    );
    expect(chosen.code).toBe(EXIT_CODES.error);
    expect(chosen.stderr).toContain("pos-client 1.1.0 was withdrawn on");
  });

  it("refuses bad pack command lines as usage errors, sending nothing", async () => {
    for (const args of [
      ["pack", "withdraw", "pos-client"],
      ["pack", "withdraw", "pos-client", "one"],
      ["pack", "list", "--status", "OK"],
      ["pack", "frobnicate"],
    ]) {
      const result = await tillroll(...args);
      expect(result.code, args.join(" ")).toBe(EXIT_CODES.usage);
    }
    expect((await tillroll("pack", "withdraw", "pos-client", "one")).stderr).toContain("version");
  });

  it("workstation list, rekey --json (a usable agent config) and remove", async () => {
    const list = await tillroll("workstation", "list", "--group", "DE/North");
    expect(list.code).toBe(EXIT_CODES.ok);
    expect(list.stdout.split("\n").slice(1, 3)).toEqual([
      expect.stringMatching(/^1001\/01\s+DE\/North\s+\S+Z\s+no\s+1$/),
      expect.stringMatching(/^1001\/02\s+DE\/North/),
    ]);
    const json = JSON.parse((await tillroll("workstation", "list", "--json")).stdout);
    expect((json as WorkstationInfo[]).map((w) => w.store)).toEqual([
      "1001",
      "1001",
      "2002",
      "3003",
    ]);

    const rekey = await tillroll("workstation", "rekey", "2002/01", "--json");
    expect(rekey.code).toBe(EXIT_CODES.ok);
    const result = JSON.parse(rekey.stdout) as RekeyResult;
    const client = await mqtt.connectAsync(live.coordinator.brokerUrl, {
      username: result.agentConfig.username,
      password: result.agentConfig.password,
      clientId: "agent.2002.01",
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    await client.endAsync();

    const remove = await tillroll("workstation", "remove", "3003/01");
    expect(remove.code).toBe(EXIT_CODES.ok);
    expect(remove.stdout).toContain("Removed 3003/01");
    const gone = await tillroll("workstation", "remove", "3003/01");
    expect(gone.code).toBe(EXIT_CODES.error);
    expect(gone.stderr).toContain("workstation 3003/01 is not enrolled");
  });

  it("refuses bad workstation command lines as usage errors", async () => {
    for (const args of [
      ["workstation", "remove"],
      ["workstation", "remove", "3003"],
      ["workstation", "rekey", "1001/01/9"],
      ["workstation", "rekey", "ab cd/01"],
      ["workstation", "list", "1001/01"],
      ["workstation", "list", "--function", "pos-client"],
      ["workstation", "frobnicate"],
    ]) {
      const result = await tillroll(...args);
      expect(result.code, args.join(" ")).toBe(EXIT_CODES.usage);
      expect(result.stderr, args.join(" ")).not.toMatch(/\n\s+at /);
    }
  });
});
