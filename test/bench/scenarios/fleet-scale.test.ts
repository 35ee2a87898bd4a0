import { describe, expect, it } from "vitest";
import { FD_MARGIN, fleetThatFits, openFilesLimit, simProcessesFor } from "./fleet-scale.js";

/** How large a simulated fleet one broker process can hold here (fleet-scale.ts). */

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            20000                20000                files
Max locked memory         8388608              8388608              bytes`;

describe("openFilesLimit", () => {
  it.each([
    { text: LIMITS, limit: 20_000 },
    {
      text: LIMITS.replace("20000                20000", "unlimited            unlimited"),
      limit: null,
    },
    { text: "", limit: null },
  ])("reads the soft limit: $limit", ({ text, limit }) => {
    expect(openFilesLimit(text)).toBe(limit);
  });
});

describe("fleetThatFits", () => {
  it.each([
    { wanted: 50_000, files: 20_000, fits: 20_000 - FD_MARGIN },
    { wanted: 50_000, files: 1_048_576, fits: 50_000 },
    { wanted: 1_000, files: 20_000, fits: 1_000 },
    { wanted: 50_000, files: null, fits: 50_000 },
    { wanted: 50_000, files: 500, fits: 0 },
  ])("$wanted wanted, $files open files: $fits", ({ wanted, files, fits }) => {
    expect(fleetThatFits(wanted, files)).toBe(fits);
  });
});

describe("simProcessesFor", () => {
  it.each([
    { tills: 1_000, min: 2, processes: 2 },
    { tills: 19_000, min: 2, processes: 2 },
    { tills: 50_000, min: 2, processes: 4 },
    { tills: 50_001, min: 1, processes: 5 },
    { tills: 10_000, min: 1, processes: 1 },
  ])("$tills tills (at least $min): $processes", ({ tills, min, processes }) => {
    expect(simProcessesFor(tills, min)).toBe(processes);
  });
});
