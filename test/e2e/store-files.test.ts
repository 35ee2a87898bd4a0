import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TempDir, tempDir } from "../support/temp.js";
import { storeTakingFiles } from "./store-files.js";

describe("storeTakingFiles: the files the PostgreSQL run repeats", () => {
  let dir: TempDir;
  beforeAll(async () => {
    dir = await tempDir("store-files");
    const files: Record<string, string> = {
      "e2e/test-store.ts": "export const x = 1;",
      "e2e/test-store.test.ts": 'import { x } from "./test-store.js";',
      "e2e/harness.ts": 'import { storeDatabase } from "./test-store.js";',
      "e2e/kit.ts": 'import { Harness } from "./harness.js";\nimport "./cycle.js";',
      "e2e/cycle.ts": 'import "./kit.js";',
      "e2e/via-kit.test.ts": 'import { Kit } from "./kit.js";',
      "e2e/web/deep.test.ts": 'const m = await import("../kit.js");',
      "e2e/agent-only.test.ts": 'import { AgentProcess } from "./agent.js";\nimport "./cycle2.js";',
      "e2e/agent.ts": 'import { join } from "node:path";',
      "e2e/cycle2.ts": 'import "./agent-only.test.js";',
      "support/x.test.ts": 'import { Kit } from "../e2e/kit.js";',
      "e2e/node_modules/pkg/a.test.ts": 'import "../../kit.js";',
    };
    for (const [name, text] of Object.entries(files)) {
      await mkdir(dirname(join(dir.path, name)), { recursive: true });
      await writeFile(join(dir.path, name), text);
    }
  });
  afterAll(() => dir.cleanup());

  it("answers the test files whose imports reach test-store.ts, through cycles and dynamic imports", () => {
    expect(storeTakingFiles(dir.path)).toEqual([
      "e2e/via-kit.test.ts",
      "e2e/web/deep.test.ts",
      "support/x.test.ts",
    ]);
  });

  it("on this package: the coordinator tests are in, the agent-only and pure ones are not", () => {
    const files = storeTakingFiles(fileURLToPath(new URL("../", import.meta.url)));
    expect(files).toEqual(
      expect.arrayContaining([
        "e2e/coordinator-flow.test.ts",
        "e2e/release-flow.test.ts",
        "e2e/schedule-window.test.ts",
        "e2e/fleet-sim.test.ts",
        "e2e/web/console-status.test.ts",
      ]),
    );
    for (const file of [
      "e2e/agent-crash.test.ts",
      "e2e/bench-quick.test.ts",
      "e2e/demo.test.ts",
      // On PostgreSQL whatever the run's store: once per run (SAME_ON_EVERY_STORE).
      "e2e/replica-failover.test.ts",
    ])
      expect(files).not.toContain(file);
  });
});
