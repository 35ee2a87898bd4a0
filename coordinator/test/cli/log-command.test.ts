// `tillroll log STORE/WS FUNCTION [--request ID] [--follow] [--json]`: the query it sends,
// refusals before anything is sent, and how a line reads. (End to end: test/e2e/install-log.test.ts.)

import { describe, expect, it } from "vitest";
import { parseCommandLine } from "../../src/cli/command-line.js";
import { UsageError } from "../../src/cli/console-client.js";
import { formatLogLine, logQuery } from "../../src/cli/log-command.js";

describe("tillroll log", () => {
  it("parses its arguments and flags into the install-log query", () => {
    const line = parseCommandLine(["log", "1001/01", "pos-client", "--request", "r-7", "--follow"]);
    expect(line.kind).toBe("run");
    if (line.kind !== "run") return;
    expect(line.values.follow).toBe(true);
    expect(logQuery(line.args, line.values)).toEqual({
      store: "1001",
      workstation: "01",
      function: "pos-client",
      request: "r-7",
    });
  });

  it("refuses a bad workstation, a missing function and a bad request id before sending", () => {
    expect(() => logQuery(["1001-01", "pos-client"], {})).toThrow(/is not STORE\/WS/);
    expect(() => logQuery(["1001/01"], {})).toThrow(UsageError);
    expect(() => logQuery(["1001/01", "pos-client"], { request: "bad id!" })).toThrow(/request/);
  });

  it("shows time, level, who wrote it, the request and the text", () => {
    expect(
      formatLogLine({
        at: "2026-11-30T12:00:00.000Z",
        requestId: "r-1",
        level: "warn",
        source: "beforeInstall",
        stream: "stderr",
        text: "POS still open",
      }),
    ).toBe("2026-11-30T12:00:00.000Z  warn   beforeInstall:stderr  r-1  POS still open");
  });
});
