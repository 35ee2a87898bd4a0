import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import type { ScenarioResult } from "../bench/scenario.js";
import { SCENARIOS } from "../bench/scenarios/index.js";

const run = promisify(execFile);
const testDir = fileURLToPath(new URL("../", import.meta.url));

describe("pnpm bench --quick (every scenario at 1/10 scale)", () => {
  // One scenario per test (`bench/run.ts --quick NAME`), so a retry reruns the scenario that
  // failed, not all of them.
  it.each(Object.keys(SCENARIOS))(
    "%s runs and every status arrives (how fast is the benchmark's business, not this test's)",
    async (name) => {
      const { stdout } = await run(
        process.execPath,
        ["--import", "tsx", "bench/run.ts", "--quick", name],
        { cwd: testDir, timeout: 240_000, maxBuffer: 16 * 1024 * 1024 },
      );
      expect(stdout).toContain(`== ${name} (quick)`);
      const result = JSON.parse(
        await readFile(new URL(`../bench/results/${name}.quick.json`, import.meta.url), "utf8"),
      ) as ScenarioResult;
      expect(result.metrics.length).toBeGreaterThan(0);
      for (const metric of result.metrics)
        expect(Number.isFinite(metric.value), `${name}: ${metric.name}`).toBe(true);
    },
    300_000,
  );
});
