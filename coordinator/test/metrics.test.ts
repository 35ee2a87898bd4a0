import { describe, expect, it } from "vitest";
import { FleetTable } from "../src/fleet/fleet-table.js";
import { renderMetrics } from "../src/metrics.js";
import { makeRow } from "./fleet/fixtures.js";

/** The /metrics text: services by status come from the table's status index. */
describe("renderMetrics", () => {
  it("counts services by status, and follows status changes and removals", () => {
    const table = FleetTable.fromRows([
      makeRow({ workstation: "01", status: "OK" }),
      makeRow({ workstation: "02", status: "Failed" }),
      makeRow({ workstation: "03", status: "Failed" }),
    ]);
    const count = (status: string) =>
      renderMetrics({ fleet: table, workstations: 3 })
        .split("\n")
        .find((line) => line.startsWith(`tillroll_services{status="${status}"}`));
    expect(count("OK")).toBe('tillroll_services{status="OK"} 1');
    expect(count("Failed")).toBe('tillroll_services{status="Failed"} 2');
    expect(count("Prepared")).toBe('tillroll_services{status="Prepared"} 0');
    table.upsert(makeRow({ workstation: "02", status: "OK" }));
    table.delete("1001/03/pos-client");
    expect(count("OK")).toBe('tillroll_services{status="OK"} 2');
    expect(count("Failed")).toBe('tillroll_services{status="Failed"} 0');
  });
});
