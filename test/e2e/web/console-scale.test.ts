import { join } from "node:path";
import { API_ROUTES } from "@tillroll/coordinator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateRows, seedDataDir } from "../../bench/scenarios/fleet-data.js";
import { type TempDir, tempDir } from "../../support/temp.js";
import { browserAvailable } from "./browser.js";
import {
  type ConsoleServer,
  type ConsoleSession,
  closeAll,
  expectNoPageErrors,
  screenshot,
  startConsoleServer,
} from "./console-fixture.js";
import { firstRowAt, firstRowProbe, timeChange } from "./timing-probes.js";

/**
 * Issue 12, acceptance 4: the status overview over 100,000 stored rows (the
 * bench's seeded fleet: 1,000 stores × 10 tills × 10 flow services) shows its
 * first page in under a second and answers a filter change in under 200 ms.
 * Both are measured in the page (timing-probes.ts: from navigation start to
 * the first row in the DOM; from the user's Enter or click on "Apply filters" to the table
 * holding only matching rows) and printed, with the test's wall clock.
 */

/**
 * Without GET /api/status/page (CONSOLE-API.md §1) the mask pages a whole
 * GET /api/status in the browser: 9.7 s to the first row and 1.7 s for a store
 * filter over 100,000 rows, measured 2026-11-30. This test runs once the
 * route is in the coordinator's table.
 */
const PAGE_ROUTE = "statusPage" in API_ROUTES;

const ROWS = 100_000;
const FIRST_PAGE_MS = 1_000;
const FILTER_MS = 200;
const BODY_ROWS = 'table[aria-label="Status overview"] tbody tr[data-row]';

const ms = (value: number) => `${Math.round(value)} ms`;

describe.skipIf(!PAGE_ROUTE || !browserAvailable())(
  "the status overview over 100,000 stored rows",
  { timeout: 180_000 },
  () => {
    let dir: TempDir;
    let server: ConsoleServer;
    let web: ConsoleSession;

    beforeAll(async () => {
      dir = await tempDir("console-scale");
      const dataDir = join(dir.path, "data");
      await seedDataDir(dataDir, generateRows(ROWS));
      server = await startConsoleServer("console-scale", { dataDir });
      web = await server.openConsole();
      await web.page.addInitScript(firstRowProbe, BODY_ROWS);
      await server.login(web.page, "admin");
    }, 120_000);

    afterAll(async () => {
      await closeAll(web, server);
      await dir?.cleanup();
    });

    it(`shows the first page in under ${FIRST_PAGE_MS} ms and answers a filter change in under ${FILTER_MS} ms`, async () => {
      const { page } = web;
      const rows = page.locator(BODY_ROWS);

      // First page: a signed-in operator opens the console (assets cached, as on any later visit).
      const started = performance.now();
      await page.goto("/");
      await rows.first().waitFor({ state: "visible", timeout: 15_000 });
      const firstWall = performance.now() - started;
      const firstInPage = (await firstRowAt(page)) ?? Number.NaN;
      console.log(
        `first page of 100,000 rows: ${ms(firstInPage)} from navigation start to the first row (wall clock ${ms(firstWall)})`,
      );
      expect(await rows.count()).toBe(100);
      await expect
        .poll(() => page.getByText("1–100 of 100,000").count(), { timeout: 15_000 })
        .toBe(1);
      await screenshot(page, "overview-100k", { fullPage: false });

      // One store: 100 rows (10 tills × 10 flow services), applied on Enter.
      const store = await timeChange(
        page,
        { selector: BODY_ROWS, startOn: "keydown", prefix: "1005/" },
        async () => {
          await page.getByLabel("Store", { exact: true }).fill("1005");
          await page.getByLabel("Store", { exact: true }).press("Enter");
        },
      );
      console.log(
        `filter store=1005 over 100,000 rows: ${ms(store.inPage)} from Enter to the table updated (wall clock ${ms(store.wall)})`,
      );
      expect(await rows.count()).toBe(100);

      await page.getByRole("button", { name: "Clear filters" }).click();
      await expect
        .poll(() => page.getByText("1–100 of 100,000").count(), { timeout: 15_000 })
        .toBe(1);

      // One status: the fleet's Failed rows (a few thousand), their first page; the tick is a
      // draft, "Apply filters" applies it (the clock runs from that click).
      await page
        .getByRole("group", { name: "Status" })
        .getByRole("checkbox", { name: "Failed", exact: true })
        .check();
      const failed = await timeChange(
        page,
        { selector: BODY_ROWS, startOn: "click", status: "Failed" },
        () => page.getByRole("button", { name: "Apply filters" }).click(),
      );
      console.log(
        `filter status=Failed over 100,000 rows: ${ms(failed.inPage)} from Apply filters to the table updated (wall clock ${ms(failed.wall)})`,
      );
      await screenshot(page, "overview-100k-failed", { fullPage: false });

      expect(firstInPage).toBeLessThan(FIRST_PAGE_MS);
      expect(store.inPage).toBeLessThan(FILTER_MS);
      expect(failed.inPage).toBeLessThan(FILTER_MS);
      expectNoPageErrors(web.errors);
    });
  },
);
