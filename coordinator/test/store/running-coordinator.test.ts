// Which command lines are a coordinator running on a data folder (tillroll migrate refuses
// to copy a folder one still writes to): a table of the pure parser.

import { describe, expect, it } from "vitest";
import { coordinatorDataDir } from "../../src/store/migrate/running-coordinator.js";

const CWD = "/srv";

describe("coordinatorDataDir", () => {
  it.each([
    [["node", "/opt/t/dist/cli/main.js", "coordinator", "--data", "/var/lib/t"], "/var/lib/t"],
    [["node", "/usr/bin/tillroll", "coordinator", "--data=rel/d"], "/srv/rel/d"],
    [["tillroll", "coordinator", "--http-port", "80"], "/srv/data"],
    [["node", "/opt/t/dist/cli/main.js", "coordinator", "--data", "a", "--data", "b"], "/srv/b"],
    [["node", "/opt/t/dist/cli/main.js", "status", "--data", "/var/lib/t"], null],
    [["node", "/usr/bin/tillroll", "migrate", "--from", "coordinator"], null],
    [["node", "/opt/other/server.js", "coordinator", "--data", "/var/lib/t"], null],
    [["bash", "-c", "sleep 1"], null],
  ] as const)("%j runs on %s", (argv, dir) => {
    expect(coordinatorDataDir(argv, CWD)).toBe(dir);
  });
});
