import type { AgentConfig } from "@tillroll/protocol";
import { describe, expect, it } from "vitest";
import { selfUpdateOptions } from "../../src/self-update/cli-self.js";
import { SELF_UNCONFIRMED_EXIT_CODE } from "../../src/self-update/self-function.js";
import { DEFAULT_CONFIRM_TIMEOUT_SECONDS } from "../../src/self-update/self-host.js";

const config = { root: "/nonexistent/root" } as AgentConfig;

describe("selfUpdateOptions: the CLI's side of a self-update", () => {
  it("the confirm deadline comes from TILLROLL_SELF_CONFIRM_TIMEOUT_SECONDS, default 120 s", async () => {
    const noop = () => undefined;
    const set = await selfUpdateOptions(
      "/x.json",
      config,
      undefined,
      { TILLROLL_SELF_CONFIRM_TIMEOUT_SECONDS: "7.5" },
      noop,
    );
    expect(set.selfUpdate.confirmTimeoutSeconds).toBe(7.5);
    for (const value of [undefined, "", "0", "-3", "soon"]) {
      const env = value === undefined ? {} : { TILLROLL_SELF_CONFIRM_TIMEOUT_SECONDS: value };
      const got = await selfUpdateOptions("/x.json", config, undefined, env, noop);
      expect(got.selfUpdate.confirmTimeoutSeconds).toBe(DEFAULT_CONFIRM_TIMEOUT_SECONDS);
    }
    expect(DEFAULT_CONFIRM_TIMEOUT_SECONDS).toBe(120);
  });

  it("a new agent that gives up exits 69 (the launcher counts it), a hand-over 75 stays onRestart's", async () => {
    const codes: number[] = [];
    let restarts = 0;
    const got = await selfUpdateOptions(
      "/x.json",
      config,
      undefined,
      {},
      () => {
        restarts += 1;
      },
      (code) => codes.push(code),
    );
    got.selfUpdate.onGiveUp();
    expect(codes).toEqual([SELF_UNCONFIRMED_EXIT_CODE]);
    expect(SELF_UNCONFIRMED_EXIT_CODE).toBe(69);
    expect(restarts).toBe(0);
  });
});
