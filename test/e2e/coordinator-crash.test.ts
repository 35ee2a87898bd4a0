import { afterEach, describe, expect, it } from "vitest";
import { CoordinatorKit, row } from "./coordinator-kit.js";

describe("coordinator killed with kill -9 during an update", () => {
  let kit: CoordinatorKit | undefined;
  afterEach(async () => {
    await kit?.close();
    kit = undefined;
  });

  it("restarts, republishes desired state, loses no status, and the update completes", async () => {
    kit = await CoordinatorKit.create("coord-crash");
    await kit.publish({ name: "pos-client", version: "1.0.0" });
    await kit.publish({ name: "pos-client", version: "1.1.0", beforeInstall: "sleep 3" });
    await kit.enrolAndStart("1001/01", "DE/North");
    await kit.enrolAndStart("1001/02", "DE/North");
    await kit.install("1.0.0", "--store", "1001");

    await kit.coordinator.console(
      "set-preferred",
      "--function",
      "pos-client",
      "--version",
      "1.1.0",
      "--store",
      "1001",
    );
    await kit.until("an update In Progress", (rs) => rs.some((r) => r.status === "In Progress"));
    await kit.coordinator.kill9();
    // The agents finish on their own meanwhile; their reports must not be lost.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    await kit.coordinator.start();
    expect(kit.coordinator.output.join("\n")).toMatch(/republished 2 desired document\(s\)/);

    const rows = await kit.until(
      "both OK on 1.1.0",
      (rs) =>
        rs.length === 2 &&
        rs.every((r) => r.status === "OK" && r.activeVersion === "1.1.0" && r.online),
    );
    expect(row(rows, "1001/01")?.preferredVersion).toBe("1.1.0");
    // The desired state survived too: a new agent start would get the same.
    const versions = await kit.coordinator.consoleJson<{ versions: { version: string }[] }>(
      "versions",
      "--function",
      "pos-client",
    );
    expect(versions.versions.map((v) => v.version)).toContain("1.0.0");
  });
});
