// The release task routes (issue 10) through the real HTTP layer (routing, strict parsing,
// authentication, the role table) against an in-memory ReleaseConsole: every answer
// validates against its route's answer schema, the console's refusal codes become
// 400/403/404/409, approve and reject need the approver role, and a bad request reaches
// no console at all.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_ROUTES, type RouteName, type RouteSpec } from "../../src/api/routes.js";
import type { ReleaseConsole, ReleaseRefusalCode } from "../../src/releases/release-console.js";
import type { ReleaseSpec } from "../../src/releases/release-model.js";
import { FakeReleaseConsole, fullSpec } from "./fake-release-console.js";
import type { Answer } from "./live-coordinator.js";
import { ReleaseApi } from "./release-api.js";

const RELEASE_ROUTES = (Object.keys(API_ROUTES) as RouteName[]).filter((name) =>
  API_ROUTES[name].path.startsWith("/api/releases"),
);

/** The release's answer, checked against the route's answer schema. */
function answerOf(name: RouteName, answer: Answer, status = 200): unknown {
  expect(answer.status, `${name}: ${answer.text}`).toBe(status);
  const route: RouteSpec = API_ROUTES[name];
  const checked = route.answer.safeParse(answer.body);
  expect(checked.error?.issues ?? [], `${name}: ${answer.text}`).toEqual([]);
  return answer.body;
}

const errorOf = (answer: Answer) => (answer.body as { error?: string }).error ?? "";

const TWO_CHECKPOINTS: Partial<ReleaseSpec> = {
  stages: [
    { name: "pilot", target: { store: ["1001"] }, checkpoint: "approval" },
    { name: "rest", checkpoint: "trigger" },
  ],
};

describe("release task routes", { timeout: 30_000 }, () => {
  let fake: FakeReleaseConsole;
  let api: ReleaseApi;
  const as = (who: string) => ({
    post: (verb: string, body: unknown) => api.call("POST", `/api/releases/${verb}`, body, who),
    get: (path: string) => api.call("GET", path, undefined, who),
  });
  /** A release created by `who` directly in the console (the create route has its own test). */
  const seed = async (who: string, spec = fullSpec(TWO_CHECKPOINTS)) => {
    const made = await fake.create(spec, { name: who, role: "operator", scope: null });
    if (!made.ok) throw new Error(made.error);
    return made.value.id;
  };

  beforeAll(async () => {
    fake = new FakeReleaseConsole();
    api = await ReleaseApi.start(fake);
  });
  afterAll(async () => {
    await api?.close();
  });

  it("create answers 201 and the new release (Ready); the document is parsed first", async () => {
    const example = API_ROUTES.createRelease.body.example;
    const view = answerOf(
      "createRelease",
      await api.call("POST", "/api/releases", example, "olga"),
      201,
    );
    expect(view).toMatchObject({
      state: "Ready",
      createdBy: "olga",
      name: "pos-client 1.1.0 spring",
    });
    const bad = await api.call(
      "POST",
      "/api/releases",
      { ...(example as object), stages: [] },
      "olga",
    );
    expect(bad.status, bad.text).toBe(400);
    expect(errorOf(bad)).toContain("stages");
    const viewer = await api.call("POST", "/api/releases", example, "vera");
    expect(viewer.status).toBe(403);
    expect(errorOf(viewer)).toBe("release create needs the operator role; you are viewer");
  });

  it("list and show answer the release views to a viewer; an unknown id is 404", async () => {
    const id = await seed("olga");
    const list = answerOf("listReleases", await as("vera").get("/api/releases")) as {
      id: string;
    }[];
    expect(list.map((release) => release.id)).toContain(id);
    const shown = answerOf("showRelease", await as("vera").get(`/api/releases/show?id=${id}`));
    expect(shown).toMatchObject({
      id,
      state: "Ready",
      stages: [{ name: "pilot" }, { name: "rest" }],
    });
    const missing = await as("vera").get("/api/releases/show?id=999");
    expect([missing.status, errorOf(missing)]).toEqual([404, "no release task 999"]);
    const bad = await as("vera").get("/api/releases/show?id=three");
    expect(bad.status).toBe(400);
    expect(errorOf(bad)).toMatch(/^id: "three" is not a release task id/);
    const none = await as("vera").get("/api/releases/show");
    expect([none.status, errorOf(none)]).toEqual([400, "id: is required"]);
  });

  it("operations move the release and answer it; one not allowed in its state is 409", async () => {
    const id = await seed("olga");
    const olga = as("olga");
    const started = answerOf("startRelease", await olga.post("start", { id }));
    expect(started).toMatchObject({
      state: "Running",
      stages: [{ state: "Waiting for approval" }, { state: "Pending" }],
    });
    const again = await olga.post("start", { id });
    expect(again.status, again.text).toBe(409);
    expect(errorOf(again)).toMatch(/^the release task is Running/);
    const approved = answerOf(
      "approveRelease",
      await as("april").post("approve", { id, comment: "  pilot looks good  " }),
    );
    expect(approved).toMatchObject({
      stages: [{ state: "Running" }, { state: "Pending" }],
      decisions: [{ who: "april", verdict: "approved", comment: "pilot looks good" }],
    });
    expect(fake.operations.at(-1)).toEqual({
      id,
      operation: { kind: "approve", comment: "pilot looks good" },
      who: "april",
    });
    const trigger = await olga.post("trigger", { id });
    expect(trigger.status, trigger.text).toBe(409);
    expect(answerOf("pauseRelease", await olga.post("pause", { id }))).toMatchObject({
      state: "Paused",
    });
    expect(answerOf("resumeRelease", await olga.post("resume", { id }))).toMatchObject({
      state: "Running",
    });
    expect(answerOf("retryRelease", await olga.post("retry", { id }))).toMatchObject({
      state: "Running",
    });
    const rollbackRunning = await olga.post("rollback", { id });
    expect([rollbackRunning.status, errorOf(rollbackRunning)]).toEqual([
      409,
      "the release task is Running: rollback is not allowed: pause it first",
    ]);
    await olga.post("pause", { id });
    expect(answerOf("rollbackRelease", await olga.post("rollback", { id }))).toMatchObject({
      state: "Rolled Back",
    });
    expect((await olga.post("cancel", { id })).status).toBe(409);
  });

  it("trigger, reject and cancel answer the release", async () => {
    const triggered = await seed(
      "olga",
      fullSpec({ stages: [{ name: "go", checkpoint: "trigger" }] }),
    );
    await as("olga").post("start", { id: triggered });
    expect(
      answerOf("triggerRelease", await as("olga").post("trigger", { id: triggered })),
    ).toMatchObject({
      stages: [{ state: "Running" }],
      decisions: [{ verdict: "triggered", who: "olga" }],
    });
    const rejected = await seed("olga");
    await as("olga").post("start", { id: rejected });
    const answer = answerOf(
      "rejectRelease",
      await as("abel").post("reject", { id: rejected, comment: "not before the sale" }),
    );
    expect(answer).toMatchObject({
      state: "Rejected",
      stages: [{ state: "Cancelled" }, { state: "Cancelled" }],
    });
    const cancelled = await seed("olga");
    expect(
      answerOf("cancelRelease", await as("olga").post("cancel", { id: cancelled })),
    ).toMatchObject({
      state: "Cancelled",
    });
  });

  it("approve and reject need the approver role; the creator may not approve (four eyes)", async () => {
    const id = await seed("april");
    await as("olga").post("start", { id });
    for (const verb of ["approve", "reject"]) {
      const operator = await as("olga").post(verb, { id, comment: "ok" });
      expect([operator.status, errorOf(operator)]).toEqual([
        403,
        `release ${verb} needs the approver role; you are operator`,
      ]);
    }
    const own = await as("april").post("approve", { id, comment: "my own" });
    expect(own.status, own.text).toBe(403);
    expect(errorOf(own)).toMatch(/four eyes/);
    const admin = await as("admin").post("approve", { id, comment: "fine" });
    expect(admin.status, admin.text).toBe(200);
  });

  it("a comment is required, 1-1000 characters and not blank; no console call is made", async () => {
    const id = await seed("olga");
    const before = fake.operations.length;
    for (const [body, message] of [
      [{ id }, "comment: is required"],
      [{ id, comment: "" }, "comment: is blank: say why you approve or reject (--comment TEXT)"],
      [
        { id, comment: " \n\t " },
        "comment: is blank: say why you approve or reject (--comment TEXT)",
      ],
      [{ id, comment: "x".repeat(1001) }, "comment: is longer than 1000 characters"],
      [{ id, comment: 5 }, "comment: expected a comment (text)"],
      [{ id: 3, comment: "ok" }, 'id: expected a release task id (text, like "3")'],
      [{ id, comment: "ok", extra: 1 }, 'unknown field "extra" (known: id, comment)'],
    ] as const) {
      const answer = await as("april").post("approve", body);
      expect([answer.status, errorOf(answer)], JSON.stringify(body)).toEqual([400, message]);
    }
    expect(fake.operations.length).toBe(before);
  });

  it("is served for every release route and answers 401 without a token", async () => {
    expect(RELEASE_ROUTES).toHaveLength(12);
    for (const name of RELEASE_ROUTES) {
      const route: RouteSpec = API_ROUTES[name];
      const response = await fetch(`${api.url}${route.path}`, { method: route.method });
      expect(response.status, name).toBe(401);
    }
  });
});

/** A console that refuses everything with one code. */
function refusing(code: ReleaseRefusalCode): ReleaseConsole {
  const no = async () => ({ ok: false as const, code, error: `refused (${code})` });
  return { create: no, list: no, show: no, operate: no };
}

describe("the console's refusal codes", { timeout: 30_000 }, () => {
  it.each([
    ["invalid", 400],
    ["forbidden", 403],
    ["not-found", 404],
    ["conflict", 409],
  ] as const)(
    "%s is answered %i on every release route, with the message",
    async (code, status) => {
      const api = await ReleaseApi.start(refusing(code));
      try {
        for (const name of RELEASE_ROUTES) {
          const route: RouteSpec = API_ROUTES[name];
          const query = new URLSearchParams(
            route.queryExample as Record<string, string>,
          ).toString();
          const body = route.body.kind === "json" ? route.body.example : undefined;
          const answer = await api.call(
            route.method,
            `${route.path}${query === "" ? "" : `?${query}`}`,
            body,
          );
          expect([answer.status, answer.body], name).toEqual([
            status,
            { error: `refused (${code})` },
          ]);
        }
      } finally {
        await api.close();
      }
    },
  );

  it("a request that does not parse, or a role too low, never reaches the console", async () => {
    const never = async (): Promise<never> => {
      throw new Error("the console was called");
    };
    const api = await ReleaseApi.start({ create: never, list: never, show: never, operate: never });
    try {
      const bad = await api.call("POST", "/api/releases/start", { id: "x" }, "olga");
      expect(bad.status).toBe(400);
      expect(errorOf(bad)).toMatch(/^id: "x" is not a release task id/);
      const viewer = await api.call("POST", "/api/releases/start", { id: "1" }, "vera");
      expect([viewer.status, errorOf(viewer)]).toEqual([
        403,
        "release start needs the operator role; you are viewer",
      ]);
    } finally {
      await api.close();
    }
  });
});
