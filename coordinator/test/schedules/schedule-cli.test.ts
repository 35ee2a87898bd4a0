// `tillroll window|store|blackout`: the command lines as the issue writes them, requests
// checked before anything is sent (errors name the flag), and the text output byte for byte.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Answer } from "../../src/api/routes.js";
import { parseCommandLine } from "../../src/cli/command-line.js";
import { type CommandSpec, findCommand } from "../../src/cli/command-specs.js";
import { UsageError } from "../../src/cli/console-client.js";
import { commandHelp } from "../../src/cli/help.js";
import { withNotices } from "../../src/cli/notice-lines.js";
import type { CliValues } from "../../src/cli/options.js";
import {
  blackoutAddRequest,
  durationMinutes,
  storeSetRequest,
  windowSetRequest,
} from "../../src/cli/schedule-commands.js";
import {
  blackoutAddedText,
  formatBlackoutTable,
  formatMinutes,
  formatWindowList,
  noticeLine,
  storeLine,
  windowLine,
} from "../../src/cli/schedule-render.js";
import { DE_WINDOW_SETTING } from "./schedule-fixtures.js";

function values(argv: string[]): CliValues {
  const line = parseCommandLine(argv);
  if (line.kind !== "run") throw new Error(`not a run: ${argv.join(" ")}`);
  return line.values;
}

function usage(act: () => unknown): string {
  try {
    act();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error("accepted");
}

const WINDOW_SET =
  "window set --group DE --tz Europe/Berlin --days mon-sat --start 02:00 --duration 3h".split(" ");

describe("the command lines", () => {
  it.each([
    [WINDOW_SET, "window set", []],
    [[...WINDOW_SET.slice(0, 2), "--store", "1001", ...WINDOW_SET.slice(4)], "window set", []],
    [["window", "list", "--json"], "window list", []],
    [["window", "remove", "--group", "DE"], "window remove", []],
    [
      ["store", "set", "1001", "--contact", "a@example.com", "--tz", "Europe/Berlin"],
      "store set",
      ["1001"],
    ],
    [["store", "set", "1001", "--tz", ""], "store set", ["1001"]],
    [
      [
        "blackout",
        "add",
        "--from",
        "2026-12-24T00:00:00Z",
        "--to",
        "2026-12-27T00:00:00Z",
        "--reason",
        "x",
        "--json",
      ],
      "blackout add",
      [],
    ],
    [["blackout", "list", "--all"], "blackout list", []],
    [["blackout", "remove", "2"], "blackout remove", ["2"]],
  ])("%j runs %s", (argv, name, args) => {
    expect(parseCommandLine(argv)).toMatchObject({ kind: "run", spec: { name }, args });
  });

  it.each([
    [["window", "set", "--group", "DE"], /^window set: --tz is required/],
    [["blackout", "add", "--from", "x", "--to", "y"], /^blackout add: --reason is required/],
    [["blackout", "remove"], /^blackout remove: ID is missing/],
    [["store", "set"], /^store set: STORE is missing/],
    [["window", "sett"], /did you mean window set\?/],
  ])("%j is refused: %s", (argv, pattern) => {
    expect(usage(() => parseCommandLine(argv))).toMatch(pattern);
  });
});

describe("requests, checked before sending", () => {
  it("window set: the body the API takes", () => {
    expect(windowSetRequest(values(WINDOW_SET))).toEqual({
      group: "DE",
      window: {
        tz: "Europe/Berlin",
        days: ["mon", "tue", "wed", "thu", "fri", "sat"],
        start: "02:00",
        durationMinutes: 180,
      },
    });
  });

  it.each([
    [["--group", "DE", "--store", "1001"], /give --group G or --store S \(one of them\)/],
    [["--group", "DE,AT"], /--group takes one value, got DE, AT/],
    [["--group", "DE", "--days", "mon-xyz"], /^window set: --days: .*xyz/],
    [
      ["--group", "DE", "--tz", "Mars/Base"],
      /^window set: --tz: "Mars\/Base" is not an IANA time zone/,
    ],
    [["--group", "DE", "--start", "2:00"], /^window set: --start: "2:00" is not a time like 02:00/],
    [["--group", "DE", "--start", "24:00"], /^window set: --start:/],
    [["--group", "DE/", "--tz", "Europe/Berlin"], /^window set: --group: /],
  ])("window set %j is refused naming the flag", (flags, pattern) => {
    const base = { tz: "Europe/Berlin", days: "mon-sat", start: "02:00", duration: "3h" };
    const argv = [
      "window",
      "set",
      ...Object.entries(base).flatMap(([k, v]) => (flags.includes(`--${k}`) ? [] : [`--${k}`, v])),
      ...flags,
    ];
    expect(usage(() => windowSetRequest(values(argv)))).toMatch(pattern);
  });

  it.each([
    ["3h", 180],
    ["1h30m", 90],
    ["45m", 45],
    ["24h", 1440],
    ["1m", 1],
  ])("--duration %s is %i minutes", (text, minutes) => {
    expect(durationMinutes(text, "window set")).toBe(minutes);
  });

  it.each([
    ["3 hours", /is not a duration like 3h, 1h30m or 45m/],
    ["90s", /is not whole minutes/],
    ["25h", /is not between 1m and 24h/],
    ["0", /is not between 1m and 24h/],
  ])("--duration %s is refused", (text, pattern) => {
    expect(usage(() => durationMinutes(text, "window set"))).toMatch(pattern);
  });

  it('store set: "" unsets, a flag left out is not sent; errors name the flag', () => {
    expect(
      storeSetRequest(
        "1001",
        values(["store", "set", "1001", "--tz", "", "--contact", "a@example.com"]),
      ),
    ).toEqual({
      store: "1001",
      tz: null,
      contact: "a@example.com",
    });
    expect(storeSetRequest("1001", values(["store", "set", "1001", "--contact", ""]))).toEqual({
      store: "1001",
      contact: null,
    });
    expect(usage(() => storeSetRequest("1001", {}))).toMatch(
      /give --contact ADDR and\/or --tz ZONE/,
    );
    expect(usage(() => storeSetRequest("1001", { contact: "nobody" }))).toMatch(
      /^store set: --contact: "nobody" is not an email address/,
    );
    expect(usage(() => storeSetRequest("1001", { tz: "Berlin" }))).toMatch(
      /^store set: --tz: "Berlin" is not an IANA time zone/,
    );
    expect(usage(() => storeSetRequest("10 01", { tz: "Europe/Berlin" }))).toMatch(
      /^store set: STORE: /,
    );
  });

  it("blackout add: offsets accepted; a bad time or a blank reason names the flag", () => {
    const argv = [
      "blackout",
      "add",
      "--from",
      "2026-12-20T00:00:00+01:00",
      "--to",
      "2026-12-27T00:00:00Z",
      "--reason",
      "Christmas freeze",
      "--group",
      "DE",
    ];
    expect(blackoutAddRequest(values(argv))).toMatchObject({
      group: "DE",
      reason: "Christmas freeze",
    });
    expect(usage(() => blackoutAddRequest({ ...values(argv), from: "christmas" }))).toMatch(
      /^blackout add: --from: "christmas" is not an ISO 8601 timestamp/,
    );
    expect(usage(() => blackoutAddRequest({ ...values(argv), reason: " " }))).toMatch(
      /^blackout add: --reason: is blank/,
    );
  });
});

const SET: Answer<"setWindow"> = DE_WINDOW_SETTING;
const CHRISTMAS = {
  id: "2",
  from: "2026-12-24T00:00:00.000Z",
  to: "2026-12-27T00:00:00.000Z",
  reason: "Christmas freeze",
  group: null,
  createdBy: "admin",
  createdAt: "2026-11-30T09:00:00.000Z",
  active: false,
  ended: false,
};

describe("output for people", () => {
  it.each([
    [180, "3h"],
    [90, "1h30m"],
    [45, "45m"],
    [1440, "24h"],
  ])("%i minutes read %s", (minutes, text) => {
    expect(formatMinutes(minutes)).toBe(text);
  });

  it("window set, window list with store settings, store set", () => {
    expect(windowLine(SET)).toBe(
      "Window of group DE: mon-sat 02:00 for 3h, Europe/Berlin (set by admin at 2026-11-30T09:00:00.000Z)",
    );
    const own: Answer<"setWindow"> = {
      ...SET,
      subject: { kind: "store", store: "1001" },
      window: {
        tz: "Europe/Lisbon",
        days: ["sat", "sun", "mon"],
        start: "23:30",
        durationMinutes: 90,
      },
    };
    const store = {
      store: "2002",
      tz: "Europe/London",
      contact: null,
      setBy: "anna",
      setAt: "2026-11-30T10:00:00.000Z",
    };
    expect(formatWindowList({ windows: [SET, own], stores: [store] })).toBe(
      [
        "SUBJECT     ZONE           DAYS     START  DURATION  SET BY  SET AT",
        "group DE    Europe/Berlin  mon-sat  02:00  3h        admin   2026-11-30T09:00:00.000Z",
        "store 1001  Europe/Lisbon  sat-mon  23:30  1h30m     admin   2026-11-30T09:00:00.000Z",
        "",
        "Store settings:",
        "STORE  ZONE           CONTACT  SET BY  SET AT",
        "2002   Europe/London  -        anna    2026-11-30T10:00:00.000Z",
      ].join("\n"),
    );
    expect(formatWindowList({ windows: [], stores: [] })).toBe(
      "No maintenance windows set: stores install whenever a task reaches them.",
    );
    expect(storeLine(store)).toBe(
      "Store 2002: zone Europe/London, contact - (set by anna at 2026-11-30T10:00:00.000Z)",
    );
  });

  it("blackout add lists what it cancelled; blackout list; the notice line", () => {
    expect(
      blackoutAddedText({
        blackout: CHRISTMAS,
        cancelled: [{ id: "3", name: "spring", createdBy: "anna", at: "2026-12-24T02:00:00.000Z" }],
      }),
    ).toBe(
      [
        "Added blackout 2: platform maintenance 2026-12-24 00:00Z to 2026-12-27 00:00Z: Christmas freeze",
        "cancelled: #3 spring (at 2026-12-24T02:00Z, owner anna)",
      ].join("\n"),
    );
    expect(blackoutAddedText({ blackout: CHRISTMAS, cancelled: [] })).toMatch(
      /\nNo scheduled task overlapped it\.$/,
    );
    const north = { ...CHRISTMAS, id: "3", group: "DE/North", reason: "stock count", active: true };
    expect(formatBlackoutTable([north, CHRISTMAS], false)).toBe(
      [
        "ID  FROM               TO                 APPLIES TO             STATE     CREATED BY  REASON",
        "3   2026-12-24 00:00Z  2026-12-27 00:00Z  DE/North               active    admin       stock count",
        "2   2026-12-24 00:00Z  2026-12-27 00:00Z  everything (platform)  upcoming  admin       Christmas freeze",
      ].join("\n"),
    );
    expect(formatBlackoutTable([], false)).toBe(
      "No current or upcoming blackouts (--all shows ended ones).",
    );
    const notice = {
      kind: "platform-maintenance",
      id: "2",
      from: CHRISTMAS.from,
      to: CHRISTMAS.to,
      reason: "Christmas freeze",
      active: true,
    } as const;
    expect(noticeLine(notice)).toBe(
      "Platform maintenance 2026-12-24 00:00Z to 2026-12-27 00:00Z: Christmas freeze (active now)",
    );
    expect(noticeLine({ ...notice, active: false })).toBe(
      "Platform maintenance 2026-12-24 00:00Z to 2026-12-27 00:00Z: Christmas freeze",
    );
    expect(withNotices([], "TABLE")).toBe("TABLE");
    expect(withNotices(["one", "two"], "TABLE")).toBe("one\ntwo\n\nTABLE");
  });
});

describe("the README's schedule commands", () => {
  it("every `tillroll window|store|blackout` line parses as written", () => {
    const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
    const lines = readme
      .split("\n")
      .filter((line) => /^tillroll (window|store|blackout) /.test(line))
      .map((line) => line.replace(/\s+#.*$/, ""));
    expect(lines.length).toBeGreaterThanOrEqual(10);
    for (const line of lines) {
      const words = [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? "");
      expect(parseCommandLine(words.slice(1)).kind, line).toBe("run");
    }
  });
});

describe("help", () => {
  it("window set names --group and --store as the subject, not as filters", () => {
    const text = commandHelp(findCommand(["window", "set"])?.spec as CommandSpec);
    expect(text.split("\n")[0]).toBe(
      "Usage: tillroll window set --tz ZONE --days DAYS --start HH:MM --duration D [--group G] [--store S] [--json]",
    );
    expect(text).toContain(
      "--group G                    the group the window is set on (its subgroups and stores inherit it)\n",
    );
    expect(text).not.toContain("Filters (");
    expect(text).not.toContain("Changes (");
  });

  it("blackout list --all lists ended ones; set-preferred keeps its filters and changes help", () => {
    const list = commandHelp(findCommand(["blackout", "list"])?.spec as CommandSpec);
    expect(list).toContain("--all                        ended blackouts too\n");
    expect(list).not.toContain("Changes (");
    const change = commandHelp(findCommand(["set-preferred"])?.spec as CommandSpec);
    expect(change).toContain("[filters]");
    expect(change).toContain("Filters (");
    expect(change).toContain("Changes (");
  });
});
