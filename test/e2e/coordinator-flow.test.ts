import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CoordinatorKit, row } from "./coordinator-kit.js";

/** A health endpoint the test controls: 1.2.0 is broken until its "configuration is fixed". */
async function healthServer(): Promise<{ url: string; fix(): void; server: Server }> {
  let fixed = false;
  const server = createServer((_req, res) => res.writeHead(fixed ? 200 : 503).end());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`,
    fix: () => (fixed = true),
    server,
  };
}

for (const broker of ["embedded", "mosquitto"] as const) {
  describe(`coordinator end to end (${broker} broker, real agents)`, () => {
    let kit: CoordinatorKit;
    let health: Awaited<ReturnType<typeof healthServer>>;
    beforeAll(async () => {
      health = await healthServer();
      kit = await CoordinatorKit.create(`flow-${broker}`, broker);
      await kit.publish({ name: "pos-client", version: "1.0.0" });
      await kit.publish({
        name: "pos-client",
        version: "1.1.0",
        updatableFrom: ">=1.0.0 <1.1.0",
        // Long enough for the bulk change below to find 1002/01 still In Progress on a busy machine.
        beforeInstall: "sleep 5",
      });
      await kit.publish({
        name: "pos-client",
        version: "1.2.0",
        updatableFrom: ">=1.1.0",
        health: { http: health.url },
        healthTimeoutSeconds: 1,
      });
      await kit.enrolAndStart("1001/01", "DE/North");
      await kit.enrolAndStart("1002/01", "DE/South");
    });
    afterAll(async () => {
      await kit.close();
      health.server.close();
    });

    it("first install with --install over a group: both stores OK on 1.0.0", async () => {
      const out = await kit.coordinator.consoleJson<{ changed: unknown[] }>(
        "set-preferred",
        "--function",
        "pos-client",
        "--version",
        "1.0.0",
        "--install",
        "--group",
        "DE",
      );
      expect(out.changed).toHaveLength(2);
      const rows = await kit.until(
        "1.0.0 everywhere",
        (rs) =>
          rs.length === 2 && rs.every((r) => r.status === "OK" && r.activeVersion === "1.0.0"),
      );
      expect(rows.map((r) => [r.store, r.group, r.online])).toEqual([
        ["1001", "DE/North", true],
        ["1002", "DE/South", true],
      ]);
      // Each row says when its workstation last reported (the status it shows).
      for (const r of rows) {
        expect(r.lastReport).not.toBeNull();
        expect(Date.now() - Date.parse(r.lastReport as string)).toBeLessThan(60_000);
      }
    });

    it("valid-from 3 s ahead: Prepared -> In Progress -> OK", async () => {
      const validFrom = new Date(Date.now() + 3000).toISOString();
      await kit.coordinator.console(
        "set-preferred",
        "--function",
        "pos-client",
        "--version",
        "1.1.0",
        "--valid-from",
        validFrom,
        "--store",
        "1001",
      );
      const seen: string[] = [];
      await kit.until(
        "1001/01 on 1.1.0",
        (rs) =>
          row(rs, "1001/01")?.status === "OK" && row(rs, "1001/01")?.activeVersion === "1.1.0",
        30_000,
        (rs) => {
          const status = row(rs, "1001/01")?.status;
          if (status !== undefined && seen.at(-1) !== status) seen.push(status);
        },
      );
      expect(seen[0]).toBe("Prepared");
      expect(seen).toContain("In Progress");
      expect(seen.at(-1)).toBe("OK");
      expect(seen.indexOf("Prepared")).toBeLessThan(seen.indexOf("In Progress"));
    });

    it("versions shows only what the descriptors admit", async () => {
      const at100 = await kit.coordinator.consoleJson<{ versions: { version: string }[] }>(
        "versions",
        "--function",
        "pos-client",
        "--store",
        "1002",
      );
      expect(at100.versions.map((v) => v.version)).toEqual(["-", "1.1.0"]);
      const at110 = await kit.coordinator.consoleJson<{ versions: { version: string }[] }>(
        "versions",
        "--function",
        "pos-client",
        "--store",
        "1001",
      );
      expect(at110.versions.map((v) => v.version)).toEqual(["-", "1.2.0", "1.0.0"]);
    });

    it("a bulk change over two stores skips the In Progress row with its reason", async () => {
      await kit.coordinator.console(
        "set-preferred",
        "--function",
        "pos-client",
        "--version",
        "1.1.0",
        "--store",
        "1002",
      );
      await kit.until("1002/01 In Progress", (rs) => row(rs, "1002/01")?.status === "In Progress");
      // Some rows changed, one skipped: partial, exit code 3.
      const partial = await kit.coordinator.consoleResult(
        "set-preferred",
        "--function",
        "pos-client",
        "--version",
        "1.2.0",
        "--group",
        "DE",
        "--json",
      );
      expect(partial.code).toBe(3);
      const out = JSON.parse(partial.stdout) as {
        changed: { store: string }[];
        skipped: { store: string; reason: string }[];
      };
      expect(out.changed.map((c) => c.store)).toEqual(["1001"]);
      expect(out.skipped).toEqual([
        expect.objectContaining({ store: "1002", reason: expect.stringMatching(/In Progress/) }),
      ]);
      const rows = await kit.until(
        "1001/01 Rolled Back, 1002/01 OK on 1.1.0",
        (rs) =>
          row(rs, "1001/01")?.status === "Rolled Back" &&
          row(rs, "1002/01")?.status === "OK" &&
          row(rs, "1002/01")?.activeVersion === "1.1.0",
      );
      expect(row(rows, "1001/01")).toMatchObject({
        activeVersion: "1.1.0",
        preferredVersion: "1.2.0",
        reason: expect.stringMatching(/health check of 1.2.0 failed/),
      });
    });

    it("'-' skips a Prepared update", async () => {
      const later = new Date(Date.now() + 10 * 60_000).toISOString();
      await kit.coordinator.console(
        "set-preferred",
        "--function",
        "pos-client",
        "--version",
        "1.2.0",
        "--valid-from",
        later,
        "--store",
        "1002",
      );
      await kit.until("1002/01 Prepared", (rs) => row(rs, "1002/01")?.status === "Prepared");
      const out = await kit.coordinator.consoleJson<{ changed: { status: string }[] }>(
        "set-preferred",
        "--function",
        "pos-client",
        "--version",
        "-",
        "--store",
        "1002",
      );
      expect(out.changed).toEqual([
        expect.objectContaining({ status: "OK", preferredVersion: null }),
      ]);
      const rows = await kit.until(
        "1002/01 OK with nothing planned",
        (rs) =>
          row(rs, "1002/01")?.status === "OK" && row(rs, "1002/01")?.preferredVersion === null,
      );
      expect(row(rows, "1002/01")?.activeVersion).toBe("1.1.0");
    });

    it("retry after Rolled Back -> Prepared -> OK once the pack's dependency is fixed", async () => {
      health.fix();
      const out = await kit.coordinator.consoleJson<{ changed: { status: string }[] }>(
        "retry",
        "--status",
        "rolled-back",
      );
      expect(out.changed).toEqual([expect.objectContaining({ store: "1001", status: "Prepared" })]);
      await kit.until(
        "1001/01 OK on 1.2.0",
        (rs) =>
          row(rs, "1001/01")?.status === "OK" && row(rs, "1001/01")?.activeVersion === "1.2.0",
      );
      const audit = await kit.coordinator.consoleJson<{ action: string }[]>("audit");
      expect(audit.map((e) => e.action)).toEqual(
        expect.arrayContaining(["workstation add", "pack publish", "set-preferred", "retry"]),
      );
    });
  });
}
