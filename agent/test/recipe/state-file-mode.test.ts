import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { StateStore } from "../../src/engine/state-store.js";

describe("agent.json", () => {
  it("is written mode 600: the saved desired document holds recipe secrets", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tillroll-state-mode-"));
    try {
      const store = await StateStore.open(dir, () => undefined);
      await store.save();
      expect((await stat(join(dir, "agent.json"))).mode & 0o777).toBe(0o600);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
