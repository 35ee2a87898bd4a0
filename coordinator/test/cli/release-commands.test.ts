import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { parseCommandLine } from "../../src/cli/command-line.js";
import { ConsoleError, UsageError } from "../../src/cli/console-client.js";
import { EXIT_CODES } from "../../src/cli/exit-codes.js";
import {
  readReleaseDocument,
  releaseIdArg,
  runReleaseCommand,
} from "../../src/cli/release-commands.js";
import {
  countsLine,
  formatReleaseTable,
  progressBar,
  releaseLine,
  renderRelease,
} from "../../src/cli/release-render.js";
import type { StageCounts } from "../../src/releases/release-model.js";
import { FakeReleaseConsole, ZERO_COUNTS } from "../api/fake-release-console.js";
import { ReleaseApi } from "../api/release-api.js";
import { failedRelease, runningRelease } from "./release-views.js";

const refused = (argv: string[]): string => {
  try {
    parseCommandLine(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`accepted: ${argv.join(" ")}`);
};

describe("tillroll release: the command line", () => {
  it.each([
    [["release", "create", "--file", "r.json"], "release create", []],
    [["release", "create", "--file", "r.json", "--json"], "release create", []],
    [["release", "create", "--file", "r.json", "--allow-downgrade"], "release create", []],
    [["release", "list"], "release list", []],
    [["release", "list", "--json"], "release list", []],
    [["release", "show", "3"], "release show", ["3"]],
    [["release", "show", "3", "--json"], "release show", ["3"]],
    [["release", "start", "3"], "release start", ["3"]],
    [["release", "approve", "3", "--comment", "looks good"], "release approve", ["3"]],
    [["release", "reject", "3", "--comment", "not now"], "release reject", ["3"]],
    [["release", "trigger", "3"], "release trigger", ["3"]],
    [["release", "pause", "3"], "release pause", ["3"]],
    [["release", "resume", "3"], "release resume", ["3"]],
    [["release", "retry", "3"], "release retry", ["3"]],
    [["release", "rollback", "3"], "release rollback", ["3"]],
    [["release", "cancel", "3", "--url", "http://127.0.0.1:9"], "release cancel", ["3"]],
  ])("%j runs %s", (argv, name, args) => {
    expect(parseCommandLine(argv)).toMatchObject({ kind: "run", spec: { name }, args });
  });

  it.each([
    [
      ["release", "create"],
      /^release create: --file is required: tillroll release create --file F/,
    ],
    [["release", "approve", "3"], /^release approve: --comment is required/],
    [["release", "reject", "3"], /^release reject: --comment is required/],
    [["release", "show"], /^release show: ID is missing: tillroll release show ID/],
    [["release", "start", "3", "4"], /^release start: unexpected argument "4": it takes ID/],
    [["release", "list", "3"], /^release list: unexpected argument "3": it takes no arguments/],
    [["release", "start", "3", "--comment", "x"], /--comment is not a flag of release start/],
    [["release", "strat", "3"], /^release strat: unknown; did you mean release start\?/],
    [["release"], /^release: say which: release create, release list, release show/],
    [["release", "create", "--fiel", "r.json"], /did you mean --file\?/],
  ])("%j is refused: %s", (argv, pattern) => {
    expect(refused(argv)).toMatch(pattern);
  });

  it("ID must be a release task id, named as ID", () => {
    expect(releaseIdArg("12", "release show")).toBe("12");
    for (const id of ["abc", "0", "-1", "3.5", ""])
      expect(() => releaseIdArg(id, "release show")).toThrow(
        new UsageError(
          `release show: ID ${JSON.stringify(id)} is not a release task id (a number like 3; tillroll release list shows them)`,
        ),
      );
  });

  it("every `tillroll release` line of the README parses as written", () => {
    const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
    const lines = readme
      .split("\n")
      .filter((line) => line.startsWith("tillroll release "))
      .map((line) => line.replace(/\s+#.*$/, ""));
    expect(lines.length).toBeGreaterThanOrEqual(12);
    for (const line of lines) {
      const words = [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? "");
      const redirect = words.indexOf(">");
      const argv = (redirect === -1 ? words : words.slice(0, redirect)).slice(1);
      expect(parseCommandLine(argv).kind, line).toBe("run");
    }
  });

  it("help for each release command has usage and examples", () => {
    const line = parseCommandLine(["release", "approve", "--help"]);
    expect(line).toMatchObject({ kind: "help", spec: { name: "release approve" } });
  });
});

describe("release create --file: the document is read first", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "tillroll-release-doc-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reads JSON; refuses a missing file, a folder and text that is not JSON, naming the path", async () => {
    const good = join(dir, "good.json");
    writeFileSync(good, '{"name": "x"}');
    expect(await readReleaseDocument(good)).toEqual({ name: "x" });
    const missing = join(dir, "missing.json");
    await expect(readReleaseDocument(missing)).rejects.toThrow(
      new ConsoleError(`cannot read the release document ${missing}: no such file`),
    );
    const folder = join(dir, "folder.json");
    mkdirSync(folder);
    await expect(readReleaseDocument(folder)).rejects.toThrow(
      `cannot read the release document ${folder}: it is a folder`,
    );
    const text = join(dir, "text.json");
    writeFileSync(text, "name: x\n");
    await expect(readReleaseDocument(text)).rejects.toThrow(
      new RegExp(`^the release document ${text} is not JSON: `),
    );
  });
});

describe("release show: the renderer", () => {
  it("a running release: progress, counts in order, Not Ready reasons, a timed-out row", () => {
    expect(renderRelease(runningRelease(), { color: false })).toBe(
      [
        'Release 3 "pos-client 1.1.0 spring": pos-client 1.1.0, Running',
        "Created by olga at 2026-11-30T08:00:00.000Z",
        "Target: group=DE",
        "Rules: error threshold 2%, success threshold 100%, stage timeout 2h, soak 15m, max per store 1, on error pause",
        "",
        "Stage 1/3 pilot: Successful",
        "  rows: store=1001",
        "  started 2026-11-30T08:01:00.000Z, ended 2026-11-30T08:40:00.000Z",
        "  why: 2 of 2 rows OK",
        "  [####################] 100%  2 of 2 OK",
        "  OK 2",
        "",
        "Stage 2/3 wave 1: Running",
        "  rows: 10% of the remaining rows, checkpoint approval",
        "  started 2026-11-30T09:00:00.000Z",
        "  [#########-----------] 45%  9 of 20 OK",
        "  OK 9, soaking 1, In Progress 2, Prepared 1, Not Ready 3, queued 3, timed out 1, skipped 1",
        "  Not Ready (3), by reason:",
        "    2  a cashier is logged in",
        "    1  the till is printing a report",
        "  Timed out (1):",
        "    1004/02/pos-client",
        "  Skipped (1), by reason:",
        '    1  in release task 2 "hotfix"',
        "",
        "Stage 3/3 rest: Pending",
        "  rows: all remaining rows, checkpoint trigger",
        "  not started: its rows are chosen when it starts",
        "",
        "History:",
        "  2026-11-30T08:01:00.000Z  olga  release  Ready -> Running: started",
        "  2026-11-30T08:40:00.000Z  release runner  pilot  Running -> Successful: 2 of 2 rows OK",
        "  2026-11-30T08:40:00.000Z  release runner  wave 1  Pending -> Waiting for approval: checkpoint approval",
        "  2026-11-30T09:00:00.000Z  april  wave 1  Waiting for approval -> Running: approved by april",
        "",
        "Decisions:",
        '  2026-11-30T09:00:00.000Z  april  approved wave 1: "pilot ran the weekend without trouble"',
      ].join("\n"),
    );
  });

  it("a failed stage: failed rows with reasons (first 10, then how many more), timed-out rows", () => {
    const text = renderRelease(failedRelease(), { color: false });
    expect(text.split("\n").slice(0, 2)).toEqual([
      'Release 4 "pos-client 1.2.0": pos-client 1.2.0, Failed',
      "Created by olga at 2026-11-30T08:00:00.000Z",
    ]);
    const stage = text.slice(text.indexOf("Stage 1/2"), text.indexOf("\n\nStage 2/2"));
    expect(stage).toBe(
      [
        "Stage 1/2 pilot: Failed",
        "  rows: all remaining rows",
        "  started 2026-11-30T08:01:00.000Z, ended 2026-11-30T08:30:00.000Z",
        "  why: 14 of 15 rows failed (93.33% > 0%)",
        "  [#-------------------] 6%  1 of 15 OK",
        "  OK 1, Failed 11, Rolled Back 1, timed out 2",
        "  Timed out (2):",
        "    2001/01/pos-client",
        "    2001/02/pos-client",
        "  Failed (12):",
        ...Array.from(
          { length: 10 },
          (_, i) => `    ${1001 + i}/01/pos-client  Failed: health check failed: exit 1`,
        ),
        "    … and 2 more",
      ].join("\n"),
    );
    expect(text).toContain(
      "Stage 2/2 rest: Pending\n  rows: all remaining rows\n  not started: its rows are chosen when it starts",
    );
  });

  it("colours states only when asked (a terminal)", () => {
    expect(renderRelease(runningRelease(), { color: false })).not.toContain("\x1b[");
    const coloured = renderRelease(runningRelease(), { color: true });
    expect(coloured).toContain("Stage 1/3 pilot: \x1b[32mSuccessful\x1b[0m");
    expect(coloured).toContain("pos-client 1.1.0, \x1b[36mRunning\x1b[0m");
  });

  it.each([
    [0, 0, "[--------------------] 0%"],
    [9, 20, "[#########-----------] 45%"],
    [1, 3, "[######--------------] 33%"],
    [2, 3, "[#############-------] 66%"],
    [20, 20, "[####################] 100%"],
  ])("progress of %i of %i: %s", (ok, total, bar) => {
    expect(progressBar(ok, total)).toBe(bar);
  });

  it("counts: only non-zero, in the fixed order", () => {
    const counts: StageCounts = { ...ZERO_COUNTS, skipped: 1, OK: 2, "timed out": 3, held: 4 };
    expect(countsLine(counts)).toBe("OK 2, held 4, timed out 3, skipped 1");
    expect(countsLine(ZERO_COUNTS)).toBe("no rows");
  });

  it("release list: a table; an operation's answer: one line", () => {
    const running = runningRelease();
    const summary = {
      ...running,
      stages: running.stages.map(({ name, state, counts }) => ({ name, state, counts })),
    };
    expect(
      formatReleaseTable([
        summary,
        { ...summary, id: "2", name: "hotfix", state: "Successful", stages: [] },
      ]),
    ).toBe(
      [
        "ID  NAME                     FUNCTION    VERSION  STATE       CURRENT STAGE",
        "3   pos-client 1.1.0 spring  pos-client  1.1.0    Running     wave 1: Running",
        "2   hotfix                   pos-client  1.1.0    Successful  -",
      ].join("\n"),
    );
    expect(formatReleaseTable([])).toBe("No release tasks yet (tillroll release create --file F).");
    expect(releaseLine(running)).toBe(
      'release 3 "pos-client 1.1.0 spring": Running, stage wave 1: Running',
    );
  });
});

describe("tillroll release against the API (in-memory release console)", {
  timeout: 30_000,
}, () => {
  let api: ReleaseApi;
  let dir: string;
  let printed: string[];
  beforeAll(async () => {
    api = await ReleaseApi.start(new FakeReleaseConsole());
    dir = mkdtempSync(join(tmpdir(), "tillroll-release-cli-"));
  });
  afterAll(async () => {
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => vi.restoreAllMocks());

  const run = async (args: string[], who = "olga", extra: Record<string, unknown> = {}) => {
    printed = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      printed.push(String(chunk));
      return true;
    });
    return runReleaseCommand(args, { url: api.url, token: api.tokens.get(who), ...extra });
  };

  it("create, show, start, approve: one line each; --json prints the release", async () => {
    const file = join(dir, "spring.json");
    writeFileSync(
      file,
      JSON.stringify({
        name: "spring",
        function: "pos-client",
        version: "1.1.0",
        stages: [{ name: "pilot", target: { store: ["1001"] }, checkpoint: "approval" }],
      }),
    );
    expect(await run(["create"], "olga", { file })).toBe(EXIT_CODES.ok);
    expect(printed.join("")).toBe(
      'Created release 1 "spring": Ready, stage pilot: Pending; start it with: tillroll release start 1\n',
    );
    expect(await run(["start", "1"])).toBe(EXIT_CODES.ok);
    expect(printed.join("")).toBe(
      'release 1 "spring": Running, stage pilot: Waiting for approval\n',
    );
    expect(await run(["approve", "1"], "april", { comment: "fine", json: true })).toBe(
      EXIT_CODES.ok,
    );
    expect(JSON.parse(printed.join(""))).toMatchObject({
      id: "1",
      state: "Running",
      stages: [{ name: "pilot", state: "Running" }],
    });
    expect(await run(["show", "1"])).toBe(EXIT_CODES.ok);
    expect(printed.join("")).toMatch(/^Release 1 "spring": pos-client 1.1.0, Running\n/);
    expect(printed.join("")).not.toContain("\x1b[");
    expect(await run(["list"])).toBe(EXIT_CODES.ok);
    expect(printed.join("")).toContain("1   spring  pos-client  1.1.0    Running  pilot: Running");
  });

  it("--allow-downgrade sets allowDowngrade; the answer's warnings are printed; a Scheduled one says when", async () => {
    const file = join(dir, "back.json");
    const document = {
      name: "back",
      function: "pos-client",
      version: "1.1.0",
      stages: [{ name: "all" }],
    };
    writeFileSync(file, JSON.stringify(document));
    expect(await run(["create"], "olga", { file, "allow-downgrade": true })).toBe(EXIT_CODES.ok);
    const lines = printed.join("").split("\n");
    expect(lines[0]).toBe(
      "warning: compatibility with older versions is not guaranteed: 1 row goes back from 1.2.0 to 1.1.0",
    );
    expect(lines[1]).toMatch(/^Created release \d+ "back": Ready/);
    const at = "2026-12-01T02:00:00+01:00";
    writeFileSync(file, JSON.stringify({ ...document, schedule: { mode: "at", at } }));
    expect(await run(["create"], "olga", { file })).toBe(EXIT_CODES.ok);
    expect(printed.join("")).toMatch(
      new RegExp(
        `^Created release (\\d+) "back": Scheduled, stage all: Pending; starts at ${at.replace("+", "\\+")} \\(release start \\1 starts it now\\)\n$`,
      ),
    );
  });

  it("a refusal is a ConsoleError (exit 1) with the coordinator's sentence; a bad comment a usage error", async () => {
    await expect(run(["start", "99"])).rejects.toThrow(new ConsoleError("no release task 99"));
    await expect(run(["start", "99"])).rejects.toMatchObject({ exitCode: EXIT_CODES.error });
    await expect(run(["approve", "1"], "april", { comment: "   " })).rejects.toThrow(
      new UsageError(
        "release approve: --comment: is blank: say why you approve or reject (--comment TEXT)",
      ),
    );
    const file = join(dir, "bad.json");
    writeFileSync(
      file,
      JSON.stringify({ name: "bad", function: "pos-client", version: "1.1.0", stages: [] }),
    );
    await expect(run(["create"], "olga", { file })).rejects.toThrow(/stages/);
  });
});
