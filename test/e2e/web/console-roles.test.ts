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
 * Issue 12, acceptance 3, against a real coordinator and a real agent in
 * Chromium: the login page announces platform maintenance before anyone
 * signs in; a viewer is offered no change control, and a request forged
 * from its session is refused (without a CSRF token, and with its own
 * valid one for lack of the role) and changes nothing; an admin sets a
 * maintenance window in the form and finds the action in the audit view.
 */

const ROW = "1001/01/pos-client";
const DAY_MS = 24 * 60 * 60 * 1000;

/** What a forged set-preferred from the viewer's page answered. */
interface Forged {
  status: number;
  error: string;
}

describe.skipIf(!browserAvailable())(
  "console roles (issue 12, acceptance 3)",
  { timeout: 120_000 },
  () => {
    let fleet: ConsoleFleet;
    let web: ConsoleSession;

    /** How many set-preferred actions the audit holds (anyone's). */
    async function setPreferredCount(): Promise<number> {
      const audit = await fleet.release.api("admin", "GET", "/api/audit");
      expect(audit.status).toBe(200);
      return (audit.body as { action: string }[]).filter((e) => e.action === "set-preferred")
        .length;
    }

    const started = Date.now();
    beforeAll(async () => {
      fleet = await startConsoleFleet("console-roles", { stores: ["1001"], tills: ["01"] });
      web = await fleet.openConsole();
      console.log(`console-roles: fleet and browser up in ${Date.now() - started} ms`);
    }, 120_000);
    afterAll(async () => {
      await closeAll(web, fleet);
      console.log(`console-roles: ${Date.now() - started} ms in all`);
    });

    it("the login page shows platform maintenance (a blackout without a group) before anyone signs in", async () => {
      const t0 = Date.now();
      const from = new Date(Date.now() + DAY_MS).toISOString();
      const to = new Date(Date.now() + 8 * DAY_MS).toISOString();
      const added = await fleet.release.api("admin", "POST", "/api/blackouts", {
        from,
        to,
        reason: "Christmas freeze",
      });
      expect(added.status, JSON.stringify(added.body)).toBe(201);

      const { page } = web;
      await page.context().clearCookies();
      await page.goto("/login");
      const note = page.getByRole("note");
      await expect.poll(() => note.textContent()).toContain("Christmas freeze");
      expect(await note.textContent()).toContain("Platform maintenance");
      // Still the login page: the notice is there before any sign-in.
      expect(await page.getByRole("button", { name: "Log in" }).count()).toBe(1);
      await screenshot(page, "login");
      expectNoPageErrors(web.errors);
      console.log(`console-roles: login notice in ${Date.now() - t0} ms`);
    });

    it("a viewer is offered no change control, and a request forged from its session is refused and changes nothing", async () => {
      const t0 = Date.now();
      const { page } = web;
      const before = (await fleet.release.statusRows()).find(
        (r) => `${r.store}/${r.workstation}/${r.function}` === ROW,
      );
      expect(before?.preferredVersion ?? null).toBeNull();
      // The fleet's own setup installed through set-preferred: count them, none may be added.
      const changesBefore = await setPreferredCount();

      await fleet.login(page, fleet.operators.viewer);
      // The status overview has loaded its row: only now does "no control" mean something.
      const row = page.locator(`tr[data-row="${ROW}"]`);
      await row.waitFor({ timeout: 15_000 });
      expect(await page.getByRole("button", { name: "Change Preferred Version" }).count()).toBe(0);
      expect(await page.getByRole("button", { name: /^Set preferred version for / }).count()).toBe(
        0,
      );
      expect(await page.getByRole("button", { name: /^Retry / }).count()).toBe(0);
      const boxes = page.getByRole("checkbox", { name: /^Select / });
      for (const box of await boxes.all()) expect(await box.isEnabled()).toBe(false);
      expect(await row.getByRole("combobox").count()).toBe(0);
      await screenshot(page, "viewer-status");

      // The nav offers what a viewer may read, nothing else.
      const nav = page.getByRole("navigation", { name: "Main" });
      const links = (await nav.getByRole("link").allTextContents()).map((t) => t.trim());
      expect(links).toEqual(["Status", "Releases", "Windows", "Blackouts", "Audit"]);

      await nav.getByRole("link", { name: "Releases" }).click();
      await page.getByRole("heading", { name: "Release tasks", level: 1 }).waitFor();
      await expect.poll(() => page.getByText("Loading…").count()).toBe(0);
      expect(await page.getByRole("link", { name: "New release task" }).count()).toBe(0);

      await nav.getByRole("link", { name: "Windows" }).click();
      await page.getByRole("table", { name: "Maintenance windows" }).waitFor();
      expect(await page.getByRole("button", { name: "Set window" }).count()).toBe(0);
      expect(await page.getByRole("button", { name: "Save store" }).count()).toBe(0);

      await nav.getByRole("link", { name: "Blackouts" }).click();
      const blackouts = page.getByRole("table", { name: "Blackouts" });
      await expect.poll(() => blackouts.textContent()).toContain("Christmas freeze");
      expect(await page.getByRole("button", { name: /^Remove/ }).count()).toBe(0);
      expect(await page.getByRole("button", { name: "Add blackout" }).count()).toBe(0);

      // Forged from the viewer's own page: first without a CSRF token, then with its own valid one.
      const body = { function: "pos-client", version: "1.1.0", all: true };
      const forged = await page.evaluate(async (sent): Promise<Forged[]> => {
        const post = async (headers: Record<string, string>): Promise<Forged> => {
          const answer = await fetch("/api/set-preferred", {
            method: "POST",
            credentials: "same-origin",
            headers: { "Content-Type": "application/json", ...headers },
            body: JSON.stringify(sent),
          });
          const parsed = (await answer.json().catch(() => ({}))) as { error?: string };
          return { status: answer.status, error: parsed.error ?? "" };
        };
        const session = (await (
          await fetch("/api/session", { credentials: "same-origin" })
        ).json()) as {
          csrfToken?: string;
        };
        return [await post({}), await post({ "X-CSRF-Token": session.csrfToken ?? "" })];
      }, body);
      expect(forged[0]?.status).toBe(403);
      expect(forged[0]?.error).toContain("CSRF");
      expect(forged[1]?.status).toBe(403);
      expect(forged[1]?.error).toMatch(/needs the operator role; you are viewer$/);

      // Nothing changed: the row as before, and no set-preferred in the audit.
      const after = (await fleet.release.statusRows()).find(
        (r) => `${r.store}/${r.workstation}/${r.function}` === ROW,
      );
      expect(after).toEqual(before);
      expect(await setPreferredCount()).toBe(changesBefore);

      // The browser logs the two refused requests; nothing else.
      expectNoPageErrors(web.errors, { allow: [/status of 403 .*\/api\/set-preferred\)$/] });
      console.log(`console-roles: viewer checks in ${Date.now() - t0} ms`);
    });

    it("a partner admin is offered its scope's changes only: no webhooks, platform maintenance neither added nor removed", async () => {
      const t0 = Date.now();
      const { page } = web;
      web.errors.length = 0;
      await fleet.addOperator("pia", "admin", "--scope", "DE/North");
      await fleet.login(page, "pia");
      const nav = page.getByRole("navigation", { name: "Main" });
      const links = (await nav.getByRole("link").allTextContents()).map((t) => t.trim());
      expect(links).toEqual(["Status", "Releases", "Windows", "Blackouts", "Operators", "Audit"]);

      await nav.getByRole("link", { name: "Blackouts" }).click();
      const maintenance = page.locator("tr[data-blackout]", { hasText: "Christmas freeze" });
      await maintenance.waitFor();
      expect(await maintenance.getByRole("button").count()).toBe(0);

      // Without a group it would be platform maintenance: the form asks for a group instead.
      const inDays = (days: number) =>
        page.evaluate((n) => {
          const d = new Date(Date.now() + n * 86_400_000);
          const pad = (v: number) => String(v).padStart(2, "0");
          return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
        }, days);
      await page.getByLabel("From", { exact: true }).fill(await inDays(1));
      await page.getByLabel("To", { exact: true }).fill(await inDays(2));
      await page.getByLabel("Reason", { exact: true }).fill("stock count");
      await page.getByRole("button", { name: "Add blackout" }).click();
      await expect
        .poll(() => page.locator("#blackout-group-error").textContent())
        .toContain("is required");
      await page.getByLabel("Group", { exact: true }).fill("DE/North");
      await page.getByRole("button", { name: "Add blackout" }).click();
      const own = page.locator("tr[data-blackout]", { hasText: "stock count" });
      await own.waitFor();
      expect(await own.textContent()).toContain("group DE/North");
      await own.getByRole("button", { name: /^Remove blackout/ }).click();
      await own.getByRole("button", { name: "Yes, remove" }).click();
      await expect.poll(() => own.count()).toBe(0);
      expectNoPageErrors(web.errors);
      console.log(`console-roles: partner admin in ${Date.now() - t0} ms`);
    });

    it("an admin sets a maintenance window in the form (checked by its schema first) and finds it in the audit", async () => {
      const t0 = Date.now();
      const { page } = web;
      web.errors.length = 0;
      // A retry starts from no window (the first attempt may have set it).
      await fleet.release.api("admin", "POST", "/api/windows/remove", { group: "DE" });
      await fleet.login(page, fleet.operators.admin);
      const nav = page.getByRole("navigation", { name: "Main" });
      await nav.getByRole("link", { name: "Windows" }).click();
      const table = page.getByRole("table", { name: "Maintenance windows" });
      await table.waitFor();

      // A wrong zone and a wrong duration are each named beside their field, and nothing is sent.
      await page.getByLabel("Group", { exact: true }).fill("DE");
      await page.getByLabel("Time zone", { exact: true }).fill("Mars/Olympus");
      await page.getByLabel("Start", { exact: true }).fill("02:00");
      await page.getByLabel("Duration", { exact: true }).fill("3 hours");
      await page.getByRole("button", { name: "Set window" }).click();
      await expect
        .poll(() => page.locator("#window-tz-error").textContent())
        .toContain("is not an IANA time zone");
      expect(await page.locator("#window-duration-error").textContent()).toContain(
        "is not a duration like 3h",
      );
      expect(await table.locator("tr[data-subject]").count()).toBe(0);
      await page.getByLabel("Duration", { exact: true }).fill("3h");

      await page.getByLabel("Time zone", { exact: true }).fill("Europe/Berlin");
      await page.getByRole("button", { name: "Set window" }).click();
      const row = table.locator('tr[data-subject="group DE"]');
      await row.waitFor({ timeout: 10_000 });
      const cells = (await row.getByRole("cell").allTextContents()).map((t) => t.trim());
      expect(cells.slice(0, 6)).toEqual([
        "group DE",
        "Europe/Berlin",
        "Mon, Tue, Wed, Thu, Fri",
        "02:00",
        "3h",
        "ada",
      ]);
      await screenshot(page, "admin-windows");
      const windows = await fleet.release.api("admin", "GET", "/api/windows");
      expect((windows.body as { windows: unknown[] }).windows).toEqual([
        expect.objectContaining({
          subject: { kind: "group", group: "DE" },
          window: {
            tz: "Europe/Berlin",
            days: ["mon", "tue", "wed", "thu", "fri"],
            start: "02:00",
            durationMinutes: 180,
          },
          setBy: "ada",
        }),
      ]);

      await nav.getByRole("link", { name: "Audit" }).click();
      await page.getByLabel("Operator", { exact: true }).fill("ada");
      await page.getByRole("button", { name: "Apply filters" }).click();
      const audit = page.getByRole("table", { name: "Audit log" });
      const entry = audit.locator('tr[data-action="window set"]');
      await entry.waitFor({ timeout: 10_000 });
      expect(await entry.textContent()).toContain("ada (admin)");
      // Filtered by operator: only ada's entries, once the filtered answer replaced the
      // unfiltered list (which holds ada's entry too, so finding it proves nothing).
      await expect
        .poll(async () => [
          ...new Set(await audit.locator("tbody tr td:nth-child(2)").allTextContents()),
        ])
        .toEqual(["ada (admin)"]);
      await screenshot(page, "admin-audit");

      // By time (the server's from/to), in the viewer's own wall time: from an hour ahead nothing; the hour around it: the entry.
      const localInput = (offsetMs: number) =>
        page.evaluate((offset) => {
          const d = new Date(Date.now() + offset);
          const pad = (n: number) => String(n).padStart(2, "0");
          return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
        }, offsetMs);
      const HOUR_MS = 60 * 60 * 1000;
      await page.getByLabel("From", { exact: true }).fill(await localInput(HOUR_MS));
      await page.getByRole("button", { name: "Apply filters" }).click();
      await expect.poll(() => audit.textContent()).toContain("No entry matches.");
      await page.getByLabel("From", { exact: true }).fill(await localInput(-HOUR_MS));
      await page.getByLabel("To", { exact: true }).fill(await localInput(HOUR_MS));
      await page.getByRole("button", { name: "Apply filters" }).click();
      await entry.waitFor({ timeout: 10_000 });
      // An end before the start is named beside "To" by the route's query schema; nothing is asked.
      await page.getByLabel("From", { exact: true }).fill(await localInput(HOUR_MS));
      await page.getByLabel("To", { exact: true }).fill(await localInput(-HOUR_MS));
      await page.getByRole("button", { name: "Apply filters" }).click();
      await expect
        .poll(() => page.locator("#audit-to-error").textContent())
        .toContain("is before from");
      expect(await entry.count()).toBe(1);
      expectNoPageErrors(web.errors);
      console.log(`console-roles: admin window and audit in ${Date.now() - t0} ms`);
    });

    it("an admin adds an operator and a webhook (each secret shown once) and removes them and the maintenance, asked first each time", async () => {
      const t0 = Date.now();
      const { page } = web;
      await fleet.login(page, fleet.operators.admin);
      const nav = page.getByRole("navigation", { name: "Main" });

      await nav.getByRole("link", { name: "Operators" }).click();
      const operators = page.getByRole("table", { name: "Operators" });
      await operators.locator('tr[data-operator="ada"]').waitFor();
      await page.getByLabel("Name", { exact: true }).fill("olga");
      await page.getByLabel("Role", { exact: true }).selectOption("operator");
      await page.getByLabel("Scope", { exact: true }).fill("DE/North");
      await page.getByRole("button", { name: "Add operator" }).click();
      const issued = page.getByRole("region", { name: /^Operator olga added/ });
      await issued.waitFor();
      await screenshot(page, "admin-operator-issued");
      const password = (await issued.locator("dd code").first().textContent()) ?? "";
      // The password shown is the real one: it logs in.
      const session = await fetch(`${fleet.kit.coordinator.url}/api/session`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "olga", password, token: true }),
      });
      expect(session.status).toBe(200);
      await issued.getByRole("button", { name: "Done" }).click();
      expect(await issued.count()).toBe(0);
      const olga = operators.locator('tr[data-operator="olga"]');
      expect((await olga.getByRole("cell").allTextContents()).slice(0, 3)).toEqual([
        "olga",
        "operator",
        "DE/North",
      ]);
      await olga.getByRole("button", { name: "Remove olga" }).click();
      await olga.getByRole("button", { name: "Yes, remove" }).click();
      await expect.poll(() => olga.count()).toBe(0);

      await nav.getByRole("link", { name: "Webhooks" }).click();
      await page.getByRole("table", { name: "Webhooks" }).waitFor();
      await page.getByLabel("URL", { exact: true }).fill("http://127.0.0.1:9/tillroll");
      await page.getByLabel("task.planned", { exact: true }).check();
      await page.getByRole("button", { name: "Add webhook" }).click();
      const secret = page.getByRole("region", { name: /^Webhook \d+ added$/ });
      await secret.waitFor();
      expect((await secret.locator("dd code").textContent())?.length).toBe(64);
      await secret.getByRole("button", { name: "Done" }).click();
      const hook = page.locator("tr[data-webhook]");
      expect(await hook.getByRole("cell").nth(2).textContent()).toBe("task.planned");
      await hook.getByRole("button", { name: /^Remove webhook/ }).click();
      await hook.getByRole("button", { name: "Yes, remove" }).click();
      await expect.poll(() => hook.count()).toBe(0);

      await nav.getByRole("link", { name: "Blackouts" }).click();
      // A period the server refuses (its end before its start): its sentence, in an alert; nothing added.
      const dayAhead = (days: number) =>
        page.evaluate((n) => {
          const d = new Date(Date.now() + n * 86_400_000);
          const pad = (v: number) => String(v).padStart(2, "0");
          return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
        }, days);
      await page.getByLabel("From", { exact: true }).fill(await dayAhead(2));
      await page.getByLabel("To", { exact: true }).fill(await dayAhead(1));
      await page.getByLabel("Reason", { exact: true }).fill("stock count");
      await page.getByLabel("Group", { exact: true }).fill("DE/North");
      await page.getByRole("button", { name: "Add blackout" }).click();
      await expect.poll(() => page.getByRole("alert").textContent()).toMatch(/is not after from/);
      expect(await page.locator("tr[data-blackout]").count()).toBe(1);
      const maintenance = page.locator("tr[data-blackout]", { hasText: "Christmas freeze" });
      await maintenance.getByRole("button", { name: /^Remove blackout/ }).click();
      await maintenance.getByRole("button", { name: "Keep" }).click();
      expect(await maintenance.count()).toBe(1);
      await maintenance.getByRole("button", { name: /^Remove blackout/ }).click();
      await maintenance.getByRole("button", { name: "Yes, remove" }).click();
      await expect.poll(() => maintenance.count()).toBe(0);
      const notices = await fleet.release.api(null, "GET", "/api/notices");
      expect(notices.body).toEqual({ notices: [] });

      expectNoPageErrors(web.errors, { allow: [/status of 4\d\d .*\/api\/blackouts\)$/] });
      console.log(`console-roles: admin lists in ${Date.now() - t0} ms`);
    });
  },
);
