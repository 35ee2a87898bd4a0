import { describe, expect, it } from "vitest";
import {
  FORWARD_STEPS,
  HAND_OVER_STEPS,
  type JobStep,
  ROLLBACK_STEPS,
} from "../../src/engine/journal.js";
import { decideRecovery } from "../../src/engine/recovery.js";

type Expected = "retry" | "resume";

// Every step x where `current` points (old, new, nothing).
const table: Record<JobStep, { old: Expected; new: Expected }> = {
  fetch: { old: "retry", new: "retry" },
  unpack: { old: "retry", new: "retry" },
  "await-ready": { old: "retry", new: "retry" },
  drain: { old: "retry", new: "retry" },
  "pre-hook": { old: "retry", new: "retry" },
  stop: { old: "retry", new: "retry" },
  switch: { old: "retry", new: "resume" },
  "post-hook": { old: "resume", new: "resume" },
  start: { old: "resume", new: "resume" },
  verify: { old: "resume", new: "resume" },
  commit: { old: "resume", new: "resume" },
  "rollback-stop": { old: "resume", new: "resume" },
  "rollback-switch": { old: "resume", new: "resume" },
  "rollback-start": { old: "resume", new: "resume" },
  "rollback-verify": { old: "resume", new: "resume" },
  abort: { old: "resume", new: "resume" },
  // Hand-over (issue 13): before promote the old instance runs `current`.
  "start-next": { old: "retry", new: "retry" },
  "verify-next": { old: "retry", new: "retry" },
  promote: { old: "retry", new: "resume" },
};

const steps: JobStep[] = [...FORWARD_STEPS, ...ROLLBACK_STEPS, "abort", ...HAND_OVER_STEPS];
const rows = steps.flatMap((step) => [
  { step, current: "1.0.0", expected: table[step].old },
  { step, current: "1.1.0", expected: table[step].new },
]);

describe("decideRecovery", () => {
  it("covers every step", () => {
    expect(Object.keys(table).sort()).toEqual([...steps].sort());
  });

  it.each(rows)("$step with current -> $current: $expected", ({ step, current, expected }) => {
    const recovery = decideRecovery({ step, toVersion: "1.1.0" }, current);
    expect(recovery.kind).toBe(expected);
    const restartAt: Partial<Record<JobStep, JobStep>> = {
      verify: "start",
      commit: "start",
      "rollback-verify": "rollback-start",
      promote: "start",
    };
    if (recovery.kind === "resume") expect(recovery.step).toBe(restartAt[step] ?? step);
  });

  it("a first install interrupted before the switch (no current) is retried", () => {
    expect(decideRecovery({ step: "switch", toVersion: "1.1.0" }, null).kind).toBe("retry");
  });

  it.each(steps)(
    "a redeploy (same version, new folder) at %s follows the folder, not the version",
    (step) => {
      const job = { step, toVersion: "1.1.0", toRelease: "1.1.0~r5" };
      // current still at the old folder of the same version: as "old" above
      expect(decideRecovery(job, "1.1.0").kind).toBe(table[step].old);
      expect(decideRecovery(job, "1.1.0~r5").kind).toBe(table[step].new);
    },
  );
});
