import { describe, expect, it } from "vitest";
import { LoginLimiter } from "../../src/accounts/login-limiter.js";
import { OperatorDirectory } from "../../src/accounts/operators.js";
import {
  CSRF_HEADER,
  checkCsrf,
  clearSessionCookie,
  csrfRequired,
  LOGIN_REFUSED,
  login,
  logout,
  readSessionCookie,
  SESSION_COOKIE_NAME,
  SessionStore,
  sessionCookie,
} from "../../src/accounts/web-sessions.js";
import { FAST_SCRYPT, fakeClock, MemoryPersistence } from "./helpers.js";

async function setup(secure = false) {
  const clock = fakeClock();
  const directory = await OperatorDirectory.open(new MemoryPersistence(), {
    passwordParams: FAST_SCRYPT,
  });
  await directory.bootstrapAdmin("legacy");
  const anna = await directory.add("anna", "operator", "DE/North");
  if (!anna.ok) throw new Error(anna.error);
  const sessions = new SessionStore({ now: clock.now, idleTimeoutMs: 30 * 60_000 });
  const limiter = new LoginLimiter({ now: clock.now, freeFailuresPerName: 3 });
  return {
    clock,
    directory,
    sessions,
    limiter,
    anna: anna.value,
    deps: { directory, sessions, limiter, secure },
  };
}

describe("session cookies", () => {
  it.each([
    [false, "tillroll_session=abc; HttpOnly; SameSite=Strict; Path=/"],
    [true, "tillroll_session=abc; HttpOnly; SameSite=Strict; Path=/; Secure"],
  ])("secure=%s: %s", (secure, expected) => {
    expect(sessionCookie("abc", { secure })).toBe(expected);
  });

  it("are cleared with Max-Age=0 and the same attributes", () => {
    expect(clearSessionCookie({ secure: true })).toBe(
      "tillroll_session=; Max-Age=0; HttpOnly; SameSite=Strict; Path=/; Secure",
    );
  });

  const id = "A".repeat(43);
  it.each([
    [undefined, null],
    ["", null],
    [`${SESSION_COOKIE_NAME}=${id}`, id],
    [`theme=dark; ${SESSION_COOKIE_NAME}=${id}; lang=de`, id],
    [`x${SESSION_COOKIE_NAME}=${id}`, null],
    [`${SESSION_COOKIE_NAME}=short`, null],
    [`${SESSION_COOKIE_NAME}=${id}"; evil`, null],
  ])("are read from Cookie %j", (header, expected) => {
    expect(readSessionCookie(header)).toBe(expected);
  });
});

describe("CSRF", () => {
  it.each([
    ["GET", false],
    ["HEAD", false],
    ["OPTIONS", false],
    ["POST", true],
    ["PUT", true],
    ["PATCH", true],
    ["DELETE", true],
    ["post", true],
  ])("%s needs a CSRF token: %s", (method, expected) => {
    expect(csrfRequired(method)).toBe(expected);
  });

  it("accepts only the session's own token", async () => {
    const { sessions, directory } = await setup();
    const anna = directory.lookup("anna");
    if (!anna) throw new Error("no anna");
    const one = sessions.create(anna);
    const two = sessions.create(anna);
    expect(checkCsrf(one, one.csrfToken)).toBe(true);
    expect(checkCsrf(one, two.csrfToken)).toBe(false);
    expect(checkCsrf(one, undefined)).toBe(false);
    expect(checkCsrf(one, "")).toBe(false);
    expect(CSRF_HEADER).toBe("x-csrf-token");
  });
});

describe("SessionStore", () => {
  it("ends a session after the idle timeout, and a request restarts the idle clock", async () => {
    const { sessions, directory, clock } = await setup();
    const anna = directory.lookup("anna");
    if (!anna) throw new Error("no anna");
    const session = sessions.create(anna);
    clock.advance(29 * 60_000);
    expect(sessions.touch(session.id)?.name).toBe("anna");
    clock.advance(29 * 60_000);
    expect(sessions.touch(session.id)?.name).toBe("anna");
    clock.advance(30 * 60_000);
    expect(sessions.touch(session.id)).toBeNull();
    expect(sessions.size).toBe(0);
  });

  it("ends even an active session after the absolute timeout", () => {
    const clock = fakeClock();
    const sessions = new SessionStore({
      now: clock.now,
      idleTimeoutMs: 60_000,
      absoluteTimeoutMs: 5 * 60_000,
    });
    const session = sessions.create({
      name: "a",
      role: "viewer",
      scope: null,
      credentialId: "c1234567",
    });
    for (let i = 0; i < 5; i++) {
      clock.advance(59_000); // up to 4 min 55 s: active, so still open
      expect(sessions.touch(session.id)).not.toBeNull();
    }
    clock.advance(59_000);
    expect(sessions.touch(session.id)).toBeNull();
  });

  it("keeps at most maxSessions, dropping the least recently used", () => {
    const clock = fakeClock();
    const sessions = new SessionStore({ now: clock.now, maxSessions: 3 });
    const who = { name: "a", role: "viewer" as const, scope: null, credentialId: "c1234567" };
    const [first, second] = [sessions.create(who), sessions.create(who)];
    sessions.create(who);
    if (!first || !second) throw new Error("no sessions");
    sessions.touch(first.id); // first is now the most recently used
    sessions.create(who);
    expect(sessions.size).toBe(3);
    expect(sessions.touch(first.id)).not.toBeNull();
    expect(sessions.touch(second.id)).toBeNull();
  });

  it("ends every session of one operator (removed or reset)", () => {
    const clock = fakeClock();
    const sessions = new SessionStore({ now: clock.now });
    const anna = { name: "anna", role: "viewer" as const, scope: null, credentialId: "c1234567" };
    const bert = { ...anna, name: "bert" };
    const kept = sessions.create(bert);
    sessions.create(anna);
    sessions.create(anna);
    expect(sessions.deleteForOperator("anna")).toBe(2);
    expect(sessions.touch(kept.id)).not.toBeNull();
  });
});

describe("login (POST /api/session)", () => {
  it("opens a session on a good password: cookie plus CSRF token", async () => {
    const { deps, anna, sessions } = await setup(true);
    const answer = await login(deps, { name: "anna", password: anna.password }, "10.0.0.1");
    expect(answer.status).toBe(200);
    if (answer.status !== 200) return;
    expect(answer.body).toEqual({
      name: "anna",
      role: "operator",
      scope: "DE/North",
      csrfToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      idleTimeoutSeconds: 1800,
    });
    expect(answer.setCookie).toMatch(
      /^tillroll_session=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/; Secure$/,
    );
    const id = readSessionCookie((answer.setCookie ?? "").split(";")[0]);
    expect(id).not.toBeNull();
    expect(sessions.touch(id ?? "")?.csrfToken).toBe(answer.body.csrfToken);
  });

  it("answers an unknown name and a wrong password the same way", async () => {
    const { deps, anna } = await setup();
    const wrong = await login(deps, { name: "anna", password: "guess" }, "10.0.0.1");
    const unknown = await login(deps, { name: "nobody", password: anna.password }, "10.0.0.1");
    expect(wrong).toEqual({ status: 401, body: { error: LOGIN_REFUSED } });
    expect(unknown).toEqual(wrong);
  });

  it("rate-limits failed logins, without checking the password while blocked", async () => {
    const { deps, anna, clock } = await setup();
    for (let i = 0; i < 3; i++) await login(deps, { name: "anna", password: "guess" }, "10.0.0.1");
    const fourth = await login(deps, { name: "anna", password: "guess" }, "10.0.0.2");
    expect(fourth.status).toBe(401);
    // now blocked: even the right password is not looked at
    const blocked = await login(deps, { name: "anna", password: anna.password }, "10.0.0.3");
    expect(blocked).toEqual({
      status: 429,
      body: { error: "too many failed logins: try again in 1 s" },
      retryAfterSeconds: 1,
    });
    clock.advance(1_000);
    expect((await login(deps, { name: "anna", password: anna.password }, "10.0.0.3")).status).toBe(
      200,
    );
  });

  it("counts unknown names against the address", async () => {
    const clock = fakeClock();
    const { deps } = await setup();
    const limiter = new LoginLimiter({ now: clock.now, freeFailuresPerAddress: 2 });
    const d = { ...deps, limiter };
    for (const name of ["x1", "x2", "x3"]) await login(d, { name, password: "p" }, "10.9.9.9");
    expect((await login(d, { name: "x4", password: "p" }, "10.9.9.9")).status).toBe(429);
  });

  it.each([
    [undefined, "name is required"],
    [{}, "name is required"],
    [{ name: "anna" }, "password is required"],
    [{ name: 3, password: "x" }, "name is required"],
    [{ name: "anna", password: "x".repeat(2000) }, "name or password is too long"],
  ])("refuses the body %j with 400", async (body, error) => {
    const { deps } = await setup();
    expect(await login(deps, body, "10.0.0.1")).toEqual({ status: 400, body: { error } });
  });
});

describe("token login (tillroll login)", () => {
  it("answers a bearer session token, no cookie, with the idle timeout", async () => {
    const { deps, anna, sessions } = await setup(true);
    const answer = await login(deps, { name: "anna", password: anna.password }, "10.0.0.1", {
      token: true,
    });
    expect(answer.status).toBe(200);
    if (answer.status !== 200) return;
    expect(answer.setCookie).toBeUndefined();
    expect(answer.body).toEqual({
      name: "anna",
      role: "operator",
      scope: "DE/North",
      token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      idleTimeoutSeconds: 1800,
    });
    expect(sessions.touch(answer.body.token ?? "")?.name).toBe("anna");
  });
});

describe("logout (POST /api/session/end)", () => {
  it("ends the session and clears the cookie", async () => {
    const { deps, anna, sessions } = await setup();
    const answer = await login(deps, { name: "anna", password: anna.password }, "10.0.0.1");
    if (answer.status !== 200) throw new Error("login failed");
    const cookieHeader = (answer.setCookie ?? "").split(";")[0];
    expect(await logout(sessions, cookieHeader, { secure: false })).toEqual({
      status: 200,
      body: { ok: true },
      setCookie: "tillroll_session=; Max-Age=0; HttpOnly; SameSite=Strict; Path=/",
    });
    expect(sessions.size).toBe(0);
  });
});
