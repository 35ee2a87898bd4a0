// The release task routes on a live coordinator (the real ReleaseOperations, runner and
// store): answers validate against the route's answer schema and the committed
// openapi.json, and the real console's refusals come back as 400/403/404/409.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IssuedOperator } from "../../src/accounts/operators.js";
import type { RouteName } from "../../src/api/routes.js";
import { type Answer, LiveCoordinator } from "./live-coordinator.js";
import { answered, callRoute, refused } from "./live-routes.js";

const DOCUMENT = {
  name: "spring",
  function: "pos-client",
  version: "1.1.0",
  target: { group: ["DE"] },
  stages: [
    { name: "pilot", target: { store: ["1001"] }, checkpoint: "approval" },
    { name: "rest", checkpoint: "trigger" },
  ],
};

describe("release task routes on a live coordinator", { timeout: 60_000 }, () => {
  let live: LiveCoordinator;
  const tokens = new Map<string, string>();

  const as = (who: string, name: RouteName, input?: unknown): Promise<Answer> =>
    callRoute(live.url, who === "admin" ? live.token : tokens.get(who), name, input);

  beforeAll(async () => {
    live = await LiveCoordinator.start("release-routes-live");
    for (const [name, role] of [
      ["olga", "operator"],
      ["april", "approver"],
      ["vera", "viewer"],
    ]) {
      const added = await live.call("POST", "/api/operators", { name, role });
      expect(added.status, added.text).toBe(201);
      tokens.set(name as string, (added.body as IssuedOperator).token);
    }
  }, 60_000);
  afterAll(async () => {
    await live?.close();
  });

  it("create, list, show, start, approve, pause, rollback: valid answers; refusals by code", async () => {
    const created = answered("createRelease", await as("olga", "createRelease", DOCUMENT));
    expect(created).toMatchObject({ state: "Ready", createdBy: "olga" });
    const id = created.id as string;
    refused(
      await as("olga", "createRelease", { ...DOCUMENT, target: { function: ["pos-client"] } }),
      400,
      /target\.function/,
    );
    refused(await as("vera", "createRelease", DOCUMENT), 403, /needs the operator role/);
    const list = answered("listReleases", await as("vera", "listReleases"));
    expect(list).toEqual([expect.objectContaining({ id, state: "Ready" })]);
    // Issue 12: what each caller may do now, computed for that caller.
    const none = {
      start: false,
      approve: false,
      reject: false,
      trigger: false,
      pause: false,
      resume: false,
      retry: false,
      rollback: false,
      cancel: false,
    };
    expect(answered("showRelease", await as("vera", "showRelease", { id })).actions).toEqual(none);
    expect(answered("showRelease", await as("olga", "showRelease", { id })).actions).toEqual({
      ...none,
      start: true,
      cancel: true,
    });
    refused(await as("vera", "showRelease", { id: "99" }), 404, /99/);
    refused(await as("vera", "startRelease", { id }), 403, /needs the operator role/);

    const started = answered("startRelease", await as("olga", "startRelease", { id }));
    expect(started).toMatchObject({
      state: "Running",
      stages: [{ state: "Waiting for approval" }, { state: "Pending" }],
    });
    const forApril = answered("showRelease", await as("april", "showRelease", { id })).actions;
    expect(forApril).toMatchObject({ approve: true, reject: true, start: false, pause: true });
    refused(await as("olga", "startRelease", { id }), 409, /^the release task is Running/);
    refused(
      await as("olga", "approveRelease", { id, comment: "fine" }),
      403,
      /needs the approver role/,
    );
    const approved = answered(
      "approveRelease",
      await as("april", "approveRelease", { id, comment: "pilot store is ready" }),
    );
    expect(approved).toMatchObject({
      decisions: [{ who: "april", verdict: "approved", comment: "pilot store is ready" }],
    });
    refused(await as("olga", "triggerRelease", { id }), 409, /^the release task is/);
    refused(await as("olga", "rollbackRelease", { id }), 409, /^the release task is Running/);
    expect(answered("pauseRelease", await as("olga", "pauseRelease", { id }))).toMatchObject({
      state: "Paused",
    });
    expect(answered("rollbackRelease", await as("olga", "rollbackRelease", { id }))).toMatchObject({
      state: "Rolled Back",
    });
    refused(await as("olga", "cancelRelease", { id }), 409, /^the release task is Rolled Back/);
  });

  it("four eyes: the creator may not approve; another approver rejects, ending it Rejected", async () => {
    const created = answered("createRelease", await as("april", "createRelease", DOCUMENT));
    const id = created.id as string;
    answered("startRelease", await as("olga", "startRelease", { id }));
    refused(await as("april", "approveRelease", { id, comment: "mine" }), 403, /four eyes/);
    const rejected = answered(
      "rejectRelease",
      await as("admin", "rejectRelease", { id, comment: "not before the sale" }),
    );
    expect(rejected).toMatchObject({ state: "Rejected" });
  });
});
