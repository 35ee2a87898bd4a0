import { describe, expect, it } from "vitest";
import { parseCommandLine } from "../../src/cli/command-line.js";
import { COMMANDS } from "../../src/cli/command-specs.js";
import { UsageError } from "../../src/cli/console-client.js";
import { commandHelp, generalHelp } from "../../src/cli/help.js";
import { editDistance, nearest } from "../../src/cli/suggest.js";

const refused = (argv: string[]): string => {
  try {
    parseCommandLine(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`accepted: ${argv.join(" ")}`);
};

/** An example's words as a shell splits them: "quoted text" is one word; `> FILE` is not an argument. */
function shellWords(line: string): string[] {
  const words = [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? "");
  const redirect = words.indexOf(">");
  return redirect === -1 ? words : words.slice(0, redirect);
}

describe("tillroll command line", () => {
  it.each([
    // [argv, message pattern] — every mistake names the flag or word, no Node parser text.
    [["status", "--stor", "1001"], /^status: --stor is not a flag; did you mean --store\?/],
    [["status", "--grup", "DE"], /did you mean --group\?/],
    [["set-preferred", "--functoin", "x"], /did you mean --function\?/],
    [["status", "--zzzzzz"], /^status: --zzzzzz is not a flag \(tillroll status --help/],
    [["retry", "--version", "1.0.0"], /^retry: --version is not a flag of retry/],
    [["audit", "--store", "1001"], /^audit: --store is not a flag of audit/],
    [["status", "extra"], /^status: unexpected argument "extra": it takes no arguments/],
    [
      ["workstation", "add", "1001/01", "1002/01"],
      /unexpected argument "1002\/01": it takes STORE\/WS/,
    ],
    [["workstation", "add"], /^workstation add: STORE\/WS is missing/],
    [["pack", "publish"], /^pack publish: FILE is missing/],
    [["stauts"], /^unknown command "stauts"; did you mean status\?/],
    [["frobnicate"], /^unknown command "frobnicate" \(tillroll --help/],
    [["demo"], /^demo: the demo is not part of tillroll: run `pnpm demo` in a checkout/],
    [["workstation"], /^workstation: say which: workstation add/],
    [["workstation", "ad", "1001/01"], /did you mean workstation add\?/],
    [["set-preferred", "--function", "x"], /^set-preferred: --version is required/],
    [["versions"], /^versions: --function is required/],
    [["status", "--store"], /^status: --store needs a value \(--store S\)/],
    [["status", "--store", "--group", "DE"], /--store needs a value .*got the flag --group/],
    [["status", "--json=yes"], /^status: --json takes no value/],
    [
      ["set-preferred", "--function", "f", "--version", "1", "--version", "2", "--all"],
      /--version is given twice/,
    ],
    [["--store", "1001"], /^--store: give a command first/],
    [["help", "nope"], /^unknown command "nope"/],
  ])("%j is refused: %s", (argv, pattern) => {
    const message = refused(argv);
    expect(message).toMatch(pattern);
    expect(message).not.toMatch(/ERR_PARSE_ARGS|To specify a positional|Unknown option/);
  });

  it.each([
    [["--version"], { kind: "version" }],
    [["-V"], { kind: "version" }],
    [[], { kind: "help" }],
    [["--help"], { kind: "help" }],
    [["help"], { kind: "help" }],
  ])("%j → %j", (argv, expected) => {
    expect(parseCommandLine(argv)).toEqual(expected);
  });

  it("COMMAND --help, -h and help COMMAND give that command's help", () => {
    for (const argv of [
      ["retry", "--help"],
      ["retry", "-h"],
      ["help", "retry"],
      ["retry", "--all", "-h"],
    ]) {
      const line = parseCommandLine(argv);
      expect(line.kind === "help" && line.spec?.name).toBe("retry");
    }
    const sub = parseCommandLine(["workstation", "add", "--help"]);
    expect(sub.kind === "help" && sub.spec?.name).toBe("workstation add");
  });

  it("reads lists, a '-' value and words after the command", () => {
    const line = parseCommandLine([
      "set-preferred",
      "--function",
      "pos-client",
      "--version",
      "-",
      "--store",
      "1001",
      "--store=1002,1003",
      "--preferred-version",
      "-,1.1.0",
      "--dry-run",
    ]);
    expect(line).toMatchObject({
      kind: "run",
      spec: { name: "set-preferred" },
      args: [],
      values: {
        function: ["pos-client"],
        version: "-",
        store: ["1001", "1002,1003"],
        "preferred-version": ["-,1.1.0"],
        "dry-run": true,
      },
    });
    expect(parseCommandLine(["workstation", "add", "1001/01", "--group", "DE"])).toMatchObject({
      kind: "run",
      spec: { name: "workstation add" },
      args: ["1001/01"],
    });
  });

  it("every command's help has its usage, flags and examples; the general help lists them all", () => {
    const general = generalHelp();
    for (const spec of COMMANDS) {
      const help = commandHelp(spec);
      expect(help).toMatch(new RegExp(`^Usage: tillroll ${spec.name}`));
      expect(help).toContain("Examples:");
      for (const example of spec.examples) {
        expect(example.startsWith(`tillroll ${spec.name}`)).toBe(true);
        // Every example parses as written.
        const argv = shellWords(example).slice(1);
        expect(parseCommandLine(argv).kind).toBe("run");
      }
      for (const flag of spec.flags) expect(help).toContain(`--${flag}`);
      expect(general).toContain(`tillroll ${spec.name}`);
    }
    expect(general).toContain("tillroll --version");
  });
});

describe("did you mean", () => {
  it.each([
    ["stor", ["store", "status", "group"], "store"],
    ["sotre", ["store", "status"], "store"],
    ["stat", ["store", "status"], "status"],
    ["grp", ["group", "store"], "group"],
    ["xyzzy", ["store", "group"], undefined],
    ["a", ["all", "json"], undefined],
  ])("%s among %j → %s", (given, candidates, expected) => {
    expect(nearest(given, candidates)).toBe(expected);
  });

  it.each([
    ["", "", 0],
    ["abc", "abc", 0],
    ["abc", "acb", 1],
    ["kitten", "sitting", 3],
  ])("distance %s %s = %i", (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
  });
});
