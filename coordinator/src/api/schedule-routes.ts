import type { maintenanceWindowSchema } from "@tillroll/protocol/pure";
import type { z } from "zod";
import { ANSWERS } from "./answers.js";
import { noQuery } from "./requests.js";
import { json, NONE, type RouteSpec } from "./route-spec.js";
import {
  blackoutAddBody,
  blackoutRefBody,
  blackoutsQuery,
  storeSetBody,
  windowRefBody,
  windowSetBody,
} from "./schedule-requests.js";

const WINDOW_EXAMPLE: z.input<typeof maintenanceWindowSchema> = {
  tz: "Europe/Berlin",
  days: ["mon", "tue", "wed", "thu", "fri", "sat"],
  start: "02:00",
  durationMinutes: 180,
};

const change = { method: "POST", auth: "operator", query: noQuery, queryExample: {} } as const;

/** The schedule routes of the API table (issue 11; routes.ts spreads them in). */
export const SCHEDULE_ROUTES = {
  listWindows: {
    method: "GET",
    path: "/api/windows",
    auth: "operator",
    query: noQuery,
    queryExample: {},
    body: NONE,
    status: 200,
    answer: ANSWERS.WindowList,
    summary: "The maintenance windows (groups, stores) and store settings in the caller's scope",
  },
  setWindow: {
    ...change,
    path: "/api/windows",
    body: json(windowSetBody, { group: "DE", window: WINDOW_EXAMPLE }),
    status: 200,
    answer: ANSWERS.WindowSetting,
    summary:
      "Set the maintenance window of a group (its subgroups and stores inherit it) or of one store",
  },
  removeWindow: {
    ...change,
    path: "/api/windows/remove",
    body: json(windowRefBody, { group: "DE" }),
    status: 200,
    answer: ANSWERS.WindowSetting,
    summary: "Remove a group's or a store's own window (it inherits again)",
  },
  setStore: {
    ...change,
    path: "/api/stores",
    body: json(storeSetBody, {
      store: "1001",
      contact: "store1001@example.com",
      tz: "Europe/Berlin",
    }),
    status: 200,
    answer: ANSWERS.StoreSetting,
    summary:
      "Set a store's contact e-mail and time zone (null unsets one; the zone replaces an inherited window's)",
  },
  listBlackouts: {
    method: "GET",
    path: "/api/blackouts",
    auth: "operator",
    query: blackoutsQuery,
    queryExample: { all: "true" },
    body: NONE,
    status: 200,
    answer: ANSWERS.Blackouts,
    summary:
      "Current and upcoming blackouts in the caller's scope (all=true: ended ones too), earliest first",
  },
  addBlackout: {
    ...change,
    path: "/api/blackouts",
    body: json(blackoutAddBody, {
      from: "2026-12-20T00:00:00+01:00",
      to: "2026-12-27T00:00:00+01:00",
      reason: "Christmas freeze",
      group: "DE",
    }),
    status: 201,
    answer: ANSWERS.BlackoutAdded,
    summary:
      "Add a blackout (no group: platform maintenance); cancels the Scheduled release tasks it overlaps and lists them",
  },
  removeBlackout: {
    ...change,
    path: "/api/blackouts/remove",
    body: json(blackoutRefBody, { id: "1" }),
    status: 200,
    answer: ANSWERS.Blackout,
    summary: "Remove a blackout",
  },
  notices: {
    method: "GET",
    path: "/api/notices",
    auth: "public",
    query: noQuery,
    queryExample: {},
    body: NONE,
    status: 200,
    answer: ANSWERS.Notices,
    summary:
      "Current and upcoming platform maintenance, without sign-in (the web console's login page shows it)",
  },
} as const satisfies Record<string, RouteSpec>;
