import { type CommandSpec, consoleFlags } from "./command-spec.js";

/** Maintenance windows, store settings and blackouts (issue 11). */
export const SCHEDULE_COMMANDS: readonly CommandSpec[] = [
  {
    name: "window set",
    args: [],
    flags: consoleFlags("group", "store", "tz", "days", "start", "duration", "json"),
    required: ["tz", "days", "start", "duration"],
    summary: "set the maintenance window of a group (--group) or of one store (--store)",
    flagHelp: {
      group: "the group the window is set on (its subgroups and stores inherit it)",
      store: "the store whose own window it is",
    },
    details: [
      "Give --group G or --store S (one). A group's window applies to its subgroups and stores",
      "unless they set their own; `store set --tz` puts a store's zone in place of an inherited",
      "window's. The window opens on each day at --start local time in --tz and stays open",
      "--duration of elapsed time (past midnight too). Needs an admin (a partner admin: inside its scope).",
    ],
    examples: [
      "tillroll window set --group DE --tz Europe/Berlin --days mon-sat --start 02:00 --duration 3h",
      "tillroll window set --store 1001 --tz Europe/Lisbon --days sat-mon --start 23:30 --duration 1h30m",
    ],
  },
  {
    name: "window list",
    args: [],
    flags: consoleFlags("json"),
    summary:
      "the maintenance windows (groups, stores) and store settings: zone, days, start, duration, set by/at",
    examples: ["tillroll window list", "tillroll window list --json"],
  },
  {
    name: "window remove",
    args: [],
    flags: consoleFlags("group", "store", "json"),
    summary: "remove a group's or a store's own window (it inherits again)",
    flagHelp: { group: "the group whose window goes", store: "the store whose own window goes" },
    examples: ["tillroll window remove --group DE", "tillroll window remove --store 1001"],
  },
  {
    name: "store set",
    args: ["STORE"],
    flags: consoleFlags("contact", "tz", "json"),
    summary: "set a store's contact e-mail and time zone (the zone its inherited window opens in)",
    details: [
      'A flag left out keeps its value; --tz "" or --contact "" unsets it. Needs an admin',
      "(a partner admin: a store whose workstations are all in its scope).",
    ],
    examples: [
      "tillroll store set 1001 --contact store1001@example.com --tz Europe/Berlin",
      'tillroll store set 1001 --tz ""',
    ],
  },
  {
    name: "blackout add",
    args: [],
    flags: consoleFlags("from", "to", "reason", "group", "json"),
    required: ["from", "to", "reason"],
    summary: "add a blackout: no update starts in it; overlapping scheduled tasks are cancelled",
    flagHelp: { group: "the group it holds, with its subgroups (none: platform maintenance)" },
    details: [
      "Without --group it is platform maintenance (the platform admin only), announced atop",
      "`status` and `release list` and on GET /api/notices. With --group it holds that group and its",
      "subgroups (a partner admin: inside its scope). Lists the scheduled tasks it cancelled.",
    ],
    examples: [
      'tillroll blackout add --from 2026-12-20T00:00:00+01:00 --to 2026-12-27T00:00:00+01:00 --reason "Christmas freeze"',
      'tillroll blackout add --from 2026-12-01T06:00:00Z --to 2026-12-01T18:00:00Z --reason "stock count" --group DE/North --json',
    ],
  },
  {
    name: "blackout list",
    args: [],
    flags: consoleFlags("all", "json"),
    summary: "the current and upcoming blackouts, earliest first (--all: ended ones too)",
    flagHelp: { all: "ended blackouts too" },
    examples: ["tillroll blackout list", "tillroll blackout list --all --json"],
  },
  {
    name: "blackout remove",
    args: ["ID"],
    flags: consoleFlags("json"),
    summary: "remove a blackout",
    examples: ["tillroll blackout remove 2"],
  },
];
