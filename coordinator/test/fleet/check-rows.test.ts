// The slice-wise check both FleetRows stores make of an upsert batch before any of it shows.

import { describe, expect, it } from "vitest";
import { checkRowsInSlices } from "../../src/fleet/check-rows.js";
import type { ServiceRow } from "../../src/fleet/service-row.js";
import { prng, randomFleet } from "./fixtures.js";

describe("checkRowsInSlices", () => {
  it("passes a batch of more than one slice whole, in order", async () => {
    const rows = randomFleet(2500, prng(7));
    expect(await checkRowsInSlices(rows)).toEqual(rows);
  });

  it("refuses the batch naming the first row of the slice with the bad row", async () => {
    const rows = randomFleet(2500, prng(7));
    rows[1500] = { ...rows[1500], status: "Done" } as unknown as ServiceRow;
    await expect(checkRowsInSlices(rows)).rejects.toThrow(
      /^fleet rows refused \(from row 1000\): rows\[500\]/,
    );
  });
});
