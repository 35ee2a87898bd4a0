import { describe, expect, it } from "vitest";
import { planOperation } from "../../src/releases/plan-operation.js";
import { LACKS_RECIPE, LACKS_REDEPLOY } from "../../src/releases/release-context.js";
import type { ReleaseContext, ReleaseRecord } from "../../src/releases/release-model.js";
import { parseReleaseSpec } from "../../src/releases/release-spec.js";
import {
  ALICE,
  candidate,
  input,
  release,
  type World,
  world,
} from "../releases/release-fixtures.js";

/** A release task of kind "rebuild" (issue 13): the rows on its version, rebuilt with their recipe. */

function context(capabilities: (workstation: string) => string[] | null): ReleaseContext {
  return {
    windowFor: () => null,
    blackoutsAt: () => [],
    capabilitiesOf: (_store, workstation) => capabilities(workstation),
    windowDeadline: (_w, from) => from,
  };
}

function start(rel: ReleaseRecord, w: World, ctx: ReleaseContext) {
  const plan = planOperation({ ...input(rel, w), context: ctx }, { kind: "start" }, ALICE);
  if (!plan.ok) throw new Error(plan.error);
  return plan.value;
}

describe('release kind "rebuild"', () => {
  const base = {
    name: "rebuild",
    function: "pos-client",
    version: "1.1.0",
    stages: [{ name: "all" }],
  };

  it("is parsed, implies redeploy, and an unknown kind is refused naming the field", () => {
    const parsed = parseReleaseSpec({ ...base, kind: "rebuild" });
    expect(parsed.ok && [parsed.value.kind, parsed.value.redeploy]).toEqual(["rebuild", true]);
    const plain = parseReleaseSpec(base);
    expect(plain.ok && [plain.value.kind, plain.value.redeploy]).toEqual([undefined, false]);
    const bad = parseReleaseSpec({ ...base, kind: "reinstall" });
    expect(bad.ok ? "" : bad.error).toMatch(/^kind: expected "install" or "rebuild"/m);
  });

  it("sends the rows on its version with redeploy; skips the others with the reason", () => {
    const onVersion = { activeVersion: "1.1.0" };
    const w = world([
      candidate("A", "01", onVersion),
      candidate("A", "02"),
      candidate("A", "07", onVersion),
      candidate("A", "08", onVersion),
    ]);
    const ctx = context((ws) =>
      ws === "07" ? ["redeploy"] : ws === "08" ? ["recipe"] : ["redeploy", "recipe"],
    );
    const plan = start(release({ kind: "rebuild" }), w, ctx);
    expect(plan.sends.map((s) => [s.key, s.version, s.redeploy])).toEqual([
      ["A/01/pos-client", "1.1.0", true],
    ]);
    expect(plan.release.stages[0]?.skipped).toEqual([
      { key: "A/02/pos-client", reason: "runs 1.0.0, not 1.1.0: a rebuild keeps the version" },
      { key: "A/07/pos-client", reason: LACKS_RECIPE },
      { key: "A/08/pos-client", reason: LACKS_REDEPLOY },
    ]);
  });
});
