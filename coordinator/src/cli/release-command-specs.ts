import { type CommandSpec, consoleFlags } from "./command-spec.js";

/** `tillroll release VERB ID`: one operation on one release task, printing its new state. */
const releaseOperation = (verb: string, summary: string, details?: string[]): CommandSpec => ({
  name: `release ${verb}`,
  args: ["ID"],
  flags: consoleFlags("json"),
  summary,
  ...(details === undefined ? {} : { details }),
  examples: [`tillroll release ${verb} 3`, `tillroll release ${verb} 3 --json`],
});

const releaseDecision = (verb: "approve" | "reject", summary: string): CommandSpec => ({
  name: `release ${verb}`,
  args: ["ID"],
  flags: consoleFlags("comment", "json"),
  required: ["comment"],
  summary,
  details: [
    "Needs the approver role, and another approver than the one who created the release (four eyes).",
  ],
  examples: [
    `tillroll release ${verb} 3 --comment "${verb === "approve" ? "pilot store 1001 ran the weekend without trouble" : "not before the spring sale ends"}"`,
  ],
});

/** Release tasks (issue 10): staged rollouts with checkpoints and thresholds. */
export const RELEASE_COMMANDS: readonly CommandSpec[] = [
  {
    name: "release create",
    args: [],
    flags: consoleFlags("file", "allow-downgrade", "json"),
    required: ["file"],
    summary:
      "create a release task from its JSON document: Ready (release start runs it), Scheduled (schedule at), or started at once (immediately, window)",
    details: [
      'The document: {"name", "function", "version", "target" (filters), "stages": [{"name",',
      '"target" | "percent" | "count", "checkpoint": "none" | "approval" | "trigger"}], "errorThreshold",',
      '"successThreshold", "stageTimeout", "soak", "maxPerStore", "onError": "pause" | "rollback",',
      '"schedule": null | {"mode": "immediately" | "window"} | {"mode": "at", "at": ISO}, "forced",',
      '"redeploy", "allowDowngrade", "notify": {"partnerAdmins", "storeContacts"}}.',
      "The coordinator checks it and names each wrong field; nothing is created then.",
      "A version older than a target row's active one needs --allow-downgrade; the answer then warns.",
    ],
    examples: [
      "tillroll release create --file spring-release.json",
      "tillroll release create --file spring-release.json --json",
      "tillroll release create --file back-to-1.0.json --allow-downgrade",
    ],
  },
  {
    name: "release list",
    args: [],
    flags: consoleFlags("json"),
    summary: "the release tasks, newest first: id, name, function, version, state, current stage",
    examples: ["tillroll release list", "tillroll release list --json"],
  },
  {
    name: "release show",
    args: ["ID"],
    flags: consoleFlags("json"),
    summary:
      "one release task: its stages with progress, counts per status, Not Ready reasons, timed-out and failed rows, history",
    examples: ["tillroll release show 3", "tillroll release show 3 --json"],
  },
  releaseOperation("start", "start a Ready release task: its first stage starts or waits"),
  releaseDecision("approve", "approve the stage waiting for approval: it starts"),
  releaseDecision(
    "reject",
    "reject the stage waiting for approval: the release task ends Rejected",
  ),
  releaseOperation("trigger", "start the stage waiting for a trigger"),
  releaseOperation(
    "pause",
    "pause a running release task: no new row receives the version; rows In Progress finish",
  ),
  releaseOperation("resume", "resume a paused release task"),
  releaseOperation(
    "retry",
    "send the release task's Failed, Rolled Back and timed-out rows a new request",
  ),
  releaseOperation(
    "rollback",
    "give every row the release task changed its previous active version back as preferred",
    ["Pause a running release task first."],
  ),
  releaseOperation(
    "cancel",
    "cancel a release task: rows not yet started go back to -; rows In Progress finish",
  ),
];
