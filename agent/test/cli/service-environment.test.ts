import { describe, expect, it } from "vitest";
import {
  GIVEN_GLIBC_TUNABLES,
  restoreServiceEnvironment,
  SERVICE_GLIBC_TUNABLES,
} from "../../src/cli/service-environment.js";

const OWN = "glibc.malloc.arena_max=1:glibc.malloc.trim_threshold=65536";

describe("restoreServiceEnvironment (services never inherit the agent's malloc settings)", () => {
  it.each([
    [
      "not set before the launcher: removed",
      { GLIBC_TUNABLES: OWN, [SERVICE_GLIBC_TUNABLES]: "", [GIVEN_GLIBC_TUNABLES]: OWN },
      {},
    ],
    [
      "set before the launcher: put back",
      {
        GLIBC_TUNABLES: `${OWN}:glibc.malloc.arena_max=4`,
        [SERVICE_GLIBC_TUNABLES]: "glibc.malloc.arena_max=4",
      },
      { GLIBC_TUNABLES: "glibc.malloc.arena_max=4" },
    ],
    [
      "not started by the launcher: left alone",
      { GLIBC_TUNABLES: "glibc.malloc.arena_max=4", PATH: "/bin" },
      { GLIBC_TUNABLES: "glibc.malloc.arena_max=4", PATH: "/bin" },
    ],
  ])("%s", (_, before: Record<string, string>, after: Record<string, string>) => {
    const env: NodeJS.ProcessEnv = { ...before };
    restoreServiceEnvironment(env);
    expect(env).toEqual(after);
  });
});
