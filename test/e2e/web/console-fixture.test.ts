import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserAvailable } from "./browser.js";
import {
  type ConsoleFleet,
  type ConsoleSession,
  closeAll,
  expectNoPageErrors,
  screenshot,
  startConsoleFleet,
} from "./console-fixture.js";

/**
 * The console fixture itself: a real coordinator and agent serving the built
 * console, every role's operator logging in through the login page.
 */
describe.skipIf(!browserAvailable())("the web console's test fixture", { timeout: 120_000 }, () => {
  let fleet: ConsoleFleet;
  let web: ConsoleSession;
  beforeAll(async () => {
    fleet = await startConsoleFleet("console-fixture", { stores: ["1001"], tills: ["01"] });
    web = await fleet.openConsole();
  }, 120_000);
  afterAll(() => closeAll(web, fleet));

  it("serves the console, and each role's operator logs in with its password and sees its name and role", async () => {
    const rows = await fleet.kit.rows();
    expect(rows.map((r) => [`${r.store}/${r.workstation}`, r.status])).toEqual([["1001/01", "OK"]]);
    for (const [role, name] of Object.entries(fleet.operators)) {
      await fleet.login(web.page, name);
      const shownRole =
        role === "approver2" ? "approver" : role === "platformAdmin" ? "admin" : role;
      await expect
        .poll(() => web.page.locator("header").textContent())
        .toContain(`${name} (${shownRole}`);
    }
    await screenshot(web.page, "fixture-signed-in");
    expectNoPageErrors(web.errors);
  });

  it("a wrong password is refused on the login page with an alert", async () => {
    await web.page.context().clearCookies();
    await web.page.goto("/login");
    await web.page.getByLabel("Name", { exact: true }).fill("vera");
    await web.page.getByLabel("Password", { exact: true }).fill("not-her-password");
    await web.page.getByRole("button", { name: "Log in" }).click();
    // A refused login takes a password check (scrypt) and the limiter's delay: seconds on a busy machine.
    await expect.poll(() => web.page.getByRole("alert").count(), { timeout: 10_000 }).toBe(1);
    expectNoPageErrors(web.errors, { allow: [/status of 401/] });
  });
});
