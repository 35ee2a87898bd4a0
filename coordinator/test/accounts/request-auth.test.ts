import { describe, expect, it } from "vitest";
import { LoginLimiter } from "../../src/accounts/login-limiter.js";
import { OperatorDirectory } from "../../src/accounts/operators.js";
import { authenticateRequest, credentialsOf } from "../../src/accounts/request-auth.js";
import { login, SessionStore } from "../../src/accounts/web-sessions.js";
import { FAST_SCRYPT, fakeClock, MemoryPersistence } from "./helpers.js";

async function setup() {
  const clock = fakeClock();
  const directory = await OperatorDirectory.open(new MemoryPersistence(), {
    passwordParams: FAST_SCRYPT,
  });
  await directory.bootstrapAdmin("legacy-token");
  const viewer = await directory.add("vera", "viewer");
  const operator = await directory.add("anna", "operator", "DE/North");
  if (!viewer.ok || !operator.ok) throw new Error("setup failed");
  const sessions = new SessionStore({ now: clock.now, idleTimeoutMs: 60_000 });
  const limiter = new LoginLimiter({ now: clock.now });
  const deps = { directory, sessions };
  async function cookieFor(name: string, password: string) {
    const answer = await login(
      { directory, sessions, limiter, secure: false },
      { name, password },
      "::1",
    );
    if (answer.status !== 200) throw new Error("login failed");
    return { cookie: (answer.setCookie ?? "").split(";")[0], csrfToken: answer.body.csrfToken };
  }
  return { clock, directory, sessions, deps, vera: viewer.value, anna: operator.value, cookieFor };
}

describe("authenticateRequest with a session token (tillroll login)", () => {
  async function tokenFor(name: string, password: string, ctx: Awaited<ReturnType<typeof setup>>) {
    const limiter = new LoginLimiter({ now: ctx.clock.now });
    const answer = await login(
      { directory: ctx.directory, sessions: ctx.sessions, limiter, secure: false },
      { name, password },
      "::1",
      { token: true },
    );
    if (answer.status !== 200 || answer.body.token === undefined) throw new Error("login failed");
    return answer.body.token;
  }

  it("identifies the operator as a bearer token and needs no CSRF token", async () => {
    const ctx = await setup();
    const token = await tokenFor("anna", ctx.anna.password, ctx);
    const auth = authenticateRequest(
      { method: "POST", authorization: `Bearer ${token}` },
      "POST /api/set-preferred",
      ctx.deps,
    );
    expect(auth).toMatchObject({ ok: true, via: "token", operator: { name: "anna" } });
  });

  it("ends with the idle timeout and when the operator is reset", async () => {
    const ctx = await setup();
    const call = (token: string) =>
      authenticateRequest(
        { method: "GET", authorization: `Bearer ${token}` },
        "GET /api/status",
        ctx.deps,
      );
    const idle = await tokenFor("anna", ctx.anna.password, ctx);
    ctx.clock.advance(60_000);
    expect(call(idle)).toMatchObject({ ok: false, status: 401 });
    const reset = await tokenFor("anna", ctx.anna.password, ctx);
    expect(call(reset).ok).toBe(true);
    await ctx.directory.reset("anna");
    expect(call(reset)).toMatchObject({ ok: false, status: 401 });
  });
});

describe("authenticateRequest with a bearer token", () => {
  it("identifies the operator and applies the route table", async () => {
    const { deps, anna } = await setup();
    const auth = authenticateRequest(
      { method: "POST", authorization: `Bearer ${anna.token}` },
      "POST /api/set-preferred",
      deps,
    );
    expect(auth).toMatchObject({
      ok: true,
      via: "token",
      operator: { name: "anna", role: "operator", scope: "DE/North" },
    });
  });

  it("refuses a viewer's change with 403 naming the operator role", async () => {
    const { deps, vera } = await setup();
    expect(
      authenticateRequest(
        { method: "POST", authorization: `Bearer ${vera.token}` },
        "POST /api/set-preferred",
        deps,
      ),
    ).toEqual({
      ok: false,
      status: 403,
      message: "set-preferred needs the operator role; you are viewer",
    });
  });

  it("keeps today's operator token working as the platform admin", async () => {
    const { deps } = await setup();
    expect(
      authenticateRequest(
        { method: "POST", authorization: "Bearer legacy-token" },
        "POST /api/packs",
        deps,
      ),
    ).toMatchObject({ ok: true, operator: { name: "admin", role: "admin", scope: null } });
  });

  it.each([
    ["Bearer nope", "unknown, revoked or expired token"],
    ["Basic YWRtaW46eA==", "the Authorization header must be `Bearer <token>`"],
    ["Bearer ", "the Authorization header must be `Bearer <token>`"],
  ])("refuses Authorization %j with 401", async (authorization, message) => {
    const { deps } = await setup();
    const auth = authenticateRequest({ method: "GET", authorization }, "GET /api/status", deps);
    expect(auth).toMatchObject({
      ok: false,
      status: 401,
      message: expect.stringContaining(message),
    });
  });

  it("needs no CSRF token (a browser never sends a bearer token by itself)", async () => {
    const { deps, anna } = await setup();
    const auth = authenticateRequest(
      { method: "POST", authorization: `Bearer ${anna.token}` },
      "POST /api/retry",
      deps,
    );
    expect(auth.ok).toBe(true);
  });
});

describe("authenticateRequest with a session cookie", () => {
  it("allows reads without and changes only with the CSRF token", async () => {
    const { deps, anna, cookieFor } = await setup();
    const { cookie, csrfToken } = await cookieFor("anna", anna.password);
    expect(authenticateRequest({ method: "GET", cookie }, "GET /api/status", deps)).toMatchObject({
      ok: true,
      via: "cookie",
      operator: { name: "anna" },
    });
    expect(
      authenticateRequest({ method: "POST", cookie }, "POST /api/set-preferred", deps),
    ).toEqual({
      ok: false,
      status: 403,
      message: "missing or wrong CSRF token: send the X-CSRF-Token header the login answered with",
    });
    expect(
      authenticateRequest({ method: "POST", cookie, csrfToken: "x" }, "POST /api/retry", deps).ok,
    ).toBe(false);
    expect(
      authenticateRequest({ method: "POST", cookie, csrfToken }, "POST /api/set-preferred", deps),
    ).toMatchObject({ ok: true, via: "cookie" });
  });

  it("ends the session at once when the operator is reset or removed", async () => {
    const { deps, anna, vera, directory, cookieFor } = await setup();
    const annaSession = await cookieFor("anna", anna.password);
    const veraSession = await cookieFor("vera", vera.password);
    await directory.reset("anna");
    await directory.remove("vera");
    for (const { cookie } of [annaSession, veraSession])
      expect(authenticateRequest({ method: "GET", cookie }, "GET /api/status", deps)).toEqual({
        ok: false,
        status: 401,
        message: "your session has ended: log in again",
      });
    expect(deps.sessions.size).toBe(0);
  });

  it("ends the session after the idle timeout", async () => {
    const { deps, anna, clock, cookieFor } = await setup();
    const { cookie } = await cookieFor("anna", anna.password);
    clock.advance(60_000);
    expect(authenticateRequest({ method: "GET", cookie }, "GET /api/status", deps)).toMatchObject({
      ok: false,
      status: 401,
    });
  });
});

describe("authenticateRequest without credentials", () => {
  it("opens only public routes (login), whatever stale cookie comes along", async () => {
    const { deps } = await setup();
    const stale = `tillroll_session=${"A".repeat(43)}`;
    expect(
      authenticateRequest({ method: "POST", cookie: stale }, "POST /api/session", deps),
    ).toEqual({
      ok: true,
      operator: null,
      via: "public",
      session: null,
    });
    expect(authenticateRequest({ method: "GET" }, "GET /api/status", deps)).toMatchObject({
      ok: false,
      status: 401,
    });
  });

  it("refuses a route missing from the table before looking at credentials", async () => {
    const { deps } = await setup();
    expect(
      authenticateRequest(
        { method: "POST", authorization: "Bearer legacy-token" },
        "POST /api/launch",
        deps,
      ),
    ).toMatchObject({ ok: false, status: 403 });
  });
});

describe("credentialsOf", () => {
  it("reads node:http's lowercase headers", () => {
    expect(
      credentialsOf({
        method: "PUT",
        headers: { authorization: "Bearer t", cookie: "a=b", "x-csrf-token": ["c", "d"] },
      }),
    ).toEqual({ method: "PUT", authorization: "Bearer t", cookie: "a=b", csrfToken: "c" });
  });
});
