import { NOTICE_EVENTS } from "../notices/notice-model.js";
import { type CommandSpec, consoleFlags } from "./command-spec.js";

/** Webhooks (issue 11): the platform admin's receivers of signed notices. */
export const WEBHOOK_COMMANDS: readonly CommandSpec[] = [
  {
    name: "webhook add",
    args: ["URL"],
    flags: consoleFlags("secret", "events", "json"),
    required: ["secret"],
    summary: "add a webhook: notices are POSTed to URL as JSON, signed with the secret",
    details: [
      "Needs the platform admin. Headers: X-Tillroll-Event, X-Tillroll-Delivery (the notice's id),",
      "X-Tillroll-Signature: sha256=HMAC-SHA256(secret, body). A 2xx answer is delivered; else retried.",
      `Events: ${NOTICE_EVENTS.join(", ")}.`,
    ],
    examples: [
      "tillroll webhook add https://hooks.example.com/tillroll --secret 9f2c1e7a4b5d",
      "tillroll webhook add https://hooks.example.com/tasks --secret 9f2c1e7a4b5d --events task.planned,task.cancelled --json",
    ],
  },
  {
    name: "webhook list",
    args: [],
    flags: consoleFlags("json"),
    summary: "the webhooks: id, URL, events, who added them (the secret only as `set`)",
    examples: ["tillroll webhook list", "tillroll webhook list --json"],
  },
  {
    name: "webhook remove",
    args: ["ID"],
    flags: consoleFlags("json"),
    summary: "remove a webhook: nothing more is sent to it; its undelivered notices are dropped",
    examples: ["tillroll webhook remove 2"],
  },
];
