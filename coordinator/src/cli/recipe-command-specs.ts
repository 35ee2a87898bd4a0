import { type CommandSpec, consoleFlags } from "./command-spec.js";
import { FILTER_FLAGS } from "./options.js";

/** Recipes, updates and rebuild (issue 13). */
export const RECIPE_COMMANDS: readonly CommandSpec[] = [
  {
    name: "recipe set",
    args: ["FUNCTION"],
    flags: consoleFlags("group", "store", "workstation", "file", "json"),
    required: ["file"],
    summary:
      "set a function's recipe (env and files its pack reads) at a group, a store or a workstation",
    flagHelp: {
      group: "the group it is set on (its subgroups and stores inherit it)",
      store: "the store it is set on",
      workstation: "the workstation it is set on, as STORE/WS",
      file: 'the recipe (JSON): {"env": {...}, "files": {"path": "content"}, "secrets": ["NAME"]}',
    },
    details: [
      "Give one of --group G, --store S, --workstation S/W. Each key's value comes from the nearest",
      "scope: workstation, then store, then the nearest group up to the root group. Setting a recipe",
      "installs nothing: `tillroll updates` lists the rows it affects, `tillroll rebuild` applies it.",
      "Needs an admin (a partner admin: inside its scope). Secret values are never shown again.",
    ],
    examples: [
      "tillroll recipe set pos-client --group DE --file recipe.json",
      "tillroll recipe set pos-client --workstation 1001/01 --file till-01.json",
    ],
  },
  {
    name: "recipe show",
    args: ["FUNCTION"],
    flags: consoleFlags("group", "store", "workstation", "effective", "json"),
    summary:
      "a function's recipes (secrets as (secret)); --effective S/W: the merged one of a till",
    flagHelp: {
      group: "only the recipe set on this group",
      store: "only the recipe set on this store",
      workstation: "only the recipe set on this workstation (STORE/WS)",
    },
    examples: [
      "tillroll recipe show pos-client",
      "tillroll recipe show pos-client --effective 1001/01",
    ],
  },
  {
    name: "recipe history",
    args: ["FUNCTION"],
    flags: consoleFlags("json"),
    summary: "every revision of a function's recipes: scope, version, sha256, who, when",
    examples: ["tillroll recipe history pos-client"],
  },
  {
    name: "recipe unset",
    args: ["FUNCTION"],
    flags: consoleFlags("group", "store", "workstation", "json"),
    summary: "remove a function's recipe at one scope (it inherits again; history keeps it)",
    examples: ["tillroll recipe unset pos-client --store 1001"],
  },
  {
    name: "updates",
    args: [],
    flags: consoleFlags(...FILTER_FLAGS, "json"),
    summary: "the rows whose applied recipe differs from their effective one (rebuild applies it)",
    examples: ["tillroll updates", "tillroll updates --function pos-client --group DE --json"],
  },
  {
    name: "rebuild",
    args: [],
    flags: consoleFlags(...FILTER_FLAGS, "all", "dry-run", "json"),
    required: ["function"],
    summary:
      "rebuild the matching rows: a new request of the active version with the effective recipe",
    details: [
      "Needs filters that narrow it (--function alone does not), or --all for every row of the",
      "function. Rows whose agent lacks capability recipe or redeploy are skipped with the reason;",
      "a descriptor with strategy hand-over starts the new instance before the old one stops.",
    ],
    examples: [
      "tillroll rebuild --function pos-client --group DE --dry-run",
      "tillroll rebuild --function pos-client --store 1001",
    ],
  },
];
