import { readFile } from "node:fs/promises";
import { request } from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TempDir, tempDir } from "../../support/temp.js";
import { browserAvailable } from "./browser.js";
import {
  type ConsoleServer,
  type ConsoleSession,
  closeAll,
  expectNoPageErrors,
  startConsoleServer,
} from "./console-fixture.js";

/** GET over HTTPS trusting only the coordinator's own CA: status, headers, body. */
function getWithCa(url: string, ca: string) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = request(url, { ca, timeout: 10_000 }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on("timeout", () => req.destroy(new Error(`${url}: no answer in 10 s`)));
      req.on("error", reject);
      req.end();
    },
  );
}

/**
 * Issue 12: the console is served on the coordinator's HTTP port, over HTTPS
 * under --tls, by the same handler as the API: the page, its assets and the
 * login all work there, with the certificate of the coordinator's own CA.
 */
describe.skipIf(!browserAvailable())("the web console under --tls", { timeout: 120_000 }, () => {
  let dir: TempDir;
  let server: ConsoleServer;
  let web: ConsoleSession;
  beforeAll(async () => {
    dir = await tempDir("console-tls");
    server = await startConsoleServer("console-tls", {
      dataDir: dir.path,
      coordinator: { tls: true },
    });
    web = await server.openConsole();
  }, 120_000);
  afterAll(async () => {
    await closeAll(web, server);
    await dir?.cleanup();
  });

  it("serves the console over HTTPS with a certificate of its own CA", async () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = await readFile(server.coordinator.caPath, "utf8");
    const page = await getWithCa(`${server.url}/`, ca);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<div id="app">');
    expect(String(page.headers["content-security-policy"])).toContain("default-src 'self'");
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(page.body)?.[1];
    expect(script).toBeDefined();
    const asset = await getWithCa(`${server.url}${script}`, ca);
    expect(asset.status).toBe(200);
    expect(String(asset.headers["content-type"])).toMatch(/javascript/);
  });

  it("logs in through the page over HTTPS", async () => {
    await server.login(web.page, "admin");
    await expect
      .poll(() => web.page.locator("header").textContent(), { timeout: 10_000 })
      .toContain("admin (admin");
    expectNoPageErrors(web.errors);
  });
});
