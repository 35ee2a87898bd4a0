import { describe, expect, it } from "vitest";
import { isCancellable, STEP_PHASE } from "../../src/engine/journal.js";
import { chooseStrategy } from "../../src/engine/steps/hand-over-steps.js";

describe("chooseStrategy", () => {
  const rows = [
    { declared: undefined, supported: true, running: true, strategy: "stop-start", note: false },
    { declared: "stop-start", supported: true, running: true, strategy: "stop-start", note: false },
    { declared: "hand-over", supported: true, running: true, strategy: "hand-over", note: false },
    // systemd: no second instance; said in the install log, then stop-start.
    { declared: "hand-over", supported: false, running: true, strategy: "stop-start", note: true },
    // A first install or a stopped service: nothing to hand over from.
    { declared: "hand-over", supported: true, running: false, strategy: "stop-start", note: true },
  ] as const;
  it.each(rows)(
    "$declared, supported $supported, old running $running -> $strategy",
    ({ declared, supported, running, strategy, note }) => {
      const chosen = chooseStrategy(declared, supported, running);
      expect(chosen.strategy).toBe(strategy);
      expect(chosen.note !== null).toBe(note);
    },
  );
});

describe("hand-over steps in the journal", () => {
  it("are past the point of no return and show what they do", () => {
    for (const step of ["start-next", "verify-next", "promote"] as const)
      expect(isCancellable(step)).toBe(false);
    expect(STEP_PHASE["start-next"]).toBe("starting");
    expect(STEP_PHASE["verify-next"]).toBe("health-check");
    expect(STEP_PHASE.promote).toBe("stopping");
  });
});
