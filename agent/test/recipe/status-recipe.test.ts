import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodePayload, type StatusDocument } from "@tillroll/protocol";
import { describe, expect, it } from "vitest";
import { Reporter } from "../../src/engine/reporter.js";
import { StateStore } from "../../src/engine/state-store.js";
import { SecretMasker } from "../../src/recipe/secret-masker.js";
import { buildStatusDocument } from "../../src/report/status-report.js";
import { emptyAgentState, newServiceRecord } from "../../src/state/agent-state.js";

const now = "2026-11-30T10:00:00.000Z";
const ids = { store: "1001", workstation: "01" };
const sha256 = "b".repeat(64);

describe("status recipe (issue 13)", () => {
  it("reports the recipe the active release was built with, and nothing without one", () => {
    const state = emptyAgentState();
    state.services["pos-client"] = {
      ...newServiceRecord("1.0.0", now),
      recipe: { version: 4, sha256 },
    };
    state.services.legacy = newServiceRecord("2.0.0", now); // an old journal: no field
    state.services.none = { ...newServiceRecord("3.0.0", now), recipe: null };
    const doc = buildStatusDocument(state, ids, 1, now);
    expect(doc.services["pos-client"]?.recipe).toEqual({ version: 4, sha256 });
    expect(doc.services.legacy).not.toHaveProperty("recipe");
    expect(doc.services.none).not.toHaveProperty("recipe");
  });

  it("masks secrets in the reasons the reporter sends (a health check's output may hold one)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tillroll-status-mask-"));
    try {
      const store = await StateStore.open(dir, () => undefined);
      const masker = new SecretMasker();
      masker.remember({ env: { API_TOKEN: "tok-123456" }, secrets: ["API_TOKEN"] });
      store.state.services["pos-client"] = {
        ...newServiceRecord("1.0.0", now),
        status: "Rolled Back",
        reason: "health check failed; output: bad token tok-123456",
      };
      const reporter = new Reporter({
        store,
        ids,
        topicRoot: "tillroll/v1",
        stateDir: dir,
        agentVersion: "0.0.0",
        now: () => Date.parse(now),
        log: () => undefined,
        mask: (text) => masker.mask(text),
      });
      await reporter.reportStatus();
      const sent = store.state.outbox.at(-1)?.payload ?? "";
      expect(sent).not.toContain("tok-123456");
      const decoded = decodePayload("status", sent);
      if (!decoded.ok) throw new Error(decoded.error);
      const doc: StatusDocument = decoded.value;
      expect(doc.services["pos-client"]?.reason).toBe(
        "health check failed; output: bad token (secret)",
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
