import { webhookAddBody, webhookRefBody } from "../notices/webhook-input.js";
import { ANSWERS } from "./answers.js";
import { noQuery } from "./requests.js";
import { json, NONE, type RouteSpec } from "./route-spec.js";

/** The webhook routes (issue 11) of the API table (routes.ts spreads them in): platform admin only. */
export const WEBHOOK_ROUTES = {
  addWebhook: {
    method: "POST",
    path: "/api/webhooks",
    auth: "operator",
    query: noQuery,
    queryExample: {},
    body: json(webhookAddBody, {
      url: "https://hooks.example.com/tillroll",
      secret: "a long random secret",
      events: ["task.planned", "task.cancelled"],
    }),
    status: 201,
    answer: ANSWERS.Webhook,
    summary:
      "Add a webhook: notices of its events (all without `events`) are POSTed to it, signed with its secret (X-Tillroll-Signature)",
  },
  listWebhooks: {
    method: "GET",
    path: "/api/webhooks",
    auth: "operator",
    query: noQuery,
    queryExample: {},
    body: NONE,
    status: 200,
    answer: ANSWERS.Webhooks,
    summary: "The webhooks: URL, events, who added them (the secret only as `set`)",
  },
  removeWebhook: {
    method: "POST",
    path: "/api/webhooks/remove",
    auth: "operator",
    query: noQuery,
    queryExample: {},
    body: json(webhookRefBody, { id: "1" }),
    status: 200,
    answer: ANSWERS.Webhook,
    summary: "Remove a webhook: nothing more is sent to it; its undelivered notices are dropped",
  },
} as const satisfies Record<string, RouteSpec>;
