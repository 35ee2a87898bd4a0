import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Coordinator } from "../../src/coordinator.js";
import { crossSiteRefusal } from "../../src/http/cross-site.js";

/**
 * A browser's POST from another site is refused (issue 12): login CSRF (the
 * login has no CSRF token) and cookie POSTs; bearer callers and clients that
 * say nothing about their origin (the CLI) are not affected.
 */

describe("crossSiteRefusal", () => {
  const host = "console.example:8443";
  it.each([
    ["a GET", "GET", { origin: "https://evil.example", host }, false],
    ["a POST without origin headers (CLI, curl)", "POST", { host }, false],
    [
      "same origin",
      "POST",
      { origin: `https://${host}`, host, "sec-fetch-site": "same-origin" },
      false,
    ],
    ["typed into the address bar", "POST", { host, "sec-fetch-site": "none" }, false],
    ["another site's form", "POST", { origin: "https://evil.example", host }, true],
    ["another port", "POST", { origin: "https://console.example:9999", host }, true],
    ["an opaque origin", "POST", { origin: "null", host }, true],
    ["Sec-Fetch-Site cross-site", "POST", { host, "sec-fetch-site": "cross-site" }, true],
    ["Sec-Fetch-Site same-site", "POST", { host, "sec-fetch-site": "same-site" }, true],
    [
      "a bearer caller with a foreign origin",
      "POST",
      { origin: "https://evil.example", host, authorization: "Bearer trk_x" },
      false,
    ],
  ] as const)("%s", (_name, method, headers, refused) => {
    expect(crossSiteRefusal(method, headers) !== null).toBe(refused);
  });
});

describe("cross-site POSTs on a live coordinator", { timeout: 60_000 }, () => {
  let root: string;
  let coordinator: Coordinator;
  let password: string;

  const login = (headers: Record<string, string>) =>
    fetch(`${coordinator.httpUrl}/api/session`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ name: "anna", password }),
    });

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "tillroll-cross-site-"));
    coordinator = await Coordinator.start({
      dataDir: join(root, "data"),
      mqttPort: 0,
      httpPort: 0,
      host: "127.0.0.1",
      log: () => {},
    });
    const token = readFileSync(join(coordinator.dataDir, "operator-token"), "utf8").trim();
    const added = await fetch(`${coordinator.httpUrl}/api/operators`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
        // A bearer caller is not a browser's cookie caller: its origin does not matter.
        origin: "https://elsewhere.example",
      },
      body: JSON.stringify({ name: "anna", role: "operator" }),
    });
    expect(added.status).toBe(201);
    password = ((await added.json()) as { password: string }).password;
  }, 60_000);
  afterAll(async () => {
    await coordinator?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it("refuses a login from another site with a 403 naming it; its own origin logs in", async () => {
    const evil = await login({ origin: "https://evil.example" });
    expect(evil.status).toBe(403);
    expect(((await evil.json()) as { error: string }).error).toMatch(
      /^refused: a request from origin https:\/\/evil\.example \(Origin\)/,
    );
    expect(evil.headers.get("set-cookie")).toBeNull();
    const crossSite = await login({ "sec-fetch-site": "cross-site" });
    expect(crossSite.status).toBe(403);
    const own = await login({
      origin: coordinator.httpUrl,
      "sec-fetch-site": "same-origin",
    });
    expect(own.status).toBe(200);
    expect(own.headers.get("set-cookie")).toMatch(/^tillroll_session=/);
  });

  it("refuses a cookie POST from another site even with the right CSRF token", async () => {
    const own = await login({ origin: coordinator.httpUrl });
    const cookie = (own.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const { csrfToken } = (await own.json()) as { csrfToken: string };
    const logout = (origin: string) =>
      fetch(`${coordinator.httpUrl}/api/session/end`, {
        method: "POST",
        headers: { cookie, "x-csrf-token": csrfToken, origin },
      });
    expect((await logout("https://evil.example")).status).toBe(403);
    // Still signed in: the refused request ended nothing.
    const who = await fetch(`${coordinator.httpUrl}/api/session`, { headers: { cookie } });
    expect(who.status).toBe(200);
    expect((await logout(coordinator.httpUrl)).status).toBe(200);
  });
});
