import { join } from "node:path";
import type { Page } from "playwright-core";
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

/**
 * Issue 12, acceptance 4: the status overview over 100,000 stored rows (the
 * bench's seeded fleet: 1,000 stores × 10 tills × 10 flow services) shows its
 * first page in under a second and answers a filter change in under 200 ms.
 * Both are measured in the page (performance.now() from navigation start to
 * the first row in the DOM; from the user's key press or click to the table
 * holding only matching rows) and printed, with the test's own wall clock.
 */

const ROWS = 100_000;
const FIRST_PAGE_MS = 1_000;
const FILTER_MS = 200;
/** The status mask (wip-status) is not on main yet: on until then, this file would only fail. */
const MASK_BUILT = false;
const BODY_ROWS = 'table[aria-label="Status overview"] tbody tr[data-row]';

/** In-page marks the probes leave on `globalThis`. */
interface Marks {
  tillrollFirstRow?: number;
  tillrollStart?: number;
  tillrollDone?: number;
}

/**
 * Runs in the page at document start (addInitScript): the moment the first
 * table row is in the DOM, relative to navigation start.
 */
function firstRowProbe(selector: string): void {
  const marks = globalThis as Marks;
  const check = () => {
    if (marks.tillrollFirstRow === undefined && document.querySelector(selector) !== null) {
      marks.tillrollFirstRow = performance.now();
      observer.disconnect();
    }
  };
  const observer = new MutationObserver(check);
  observer.observe(document, { childList: true, subtree: true });
}

/**
 * Runs in the page before an action: marks the next trusted `startOn` event
 * (the user's Enter or click) and the first moment after it that every body
 * row matches (non-empty table; `prefix` of data-row and/or data-status).
 */
function changeProbe(args: {
  selector: string;
  startOn: "keydown" | "click";
  prefix?: string;
  status?: string;
}): void {
  const marks = globalThis as Marks;
  marks.tillrollStart = undefined;
  marks.tillrollDone = undefined;
  const matches = () => {
    const rows = [...document.querySelectorAll<HTMLElement>(args.selector)];
    return (
      rows.length > 0 &&
      rows.every(
        (row) =>
          (args.prefix === undefined || (row.dataset.row ?? "").startsWith(args.prefix)) &&
          (args.status === undefined || row.dataset.status === args.status),
      )
    );
  };
  const observer = new MutationObserver(() => {
    if (marks.tillrollStart === undefined || !matches()) return;
    marks.tillrollDone = performance.now();
    observer.disconnect();
  });
  document.addEventListener(
    args.startOn,
    (event) => {
      if (!event.isTrusted) return;
      marks.tillrollStart = performance.now();
      observer.observe(document.body, { childList: true, subtree: true, attributes: true });
    },
    { capture: true, once: true },
  );
}

/** Times `act` in the page with changeProbe; answers [in-page ms, wall-clock ms]. */
async function timeChange(
  page: Page,
  probe: Omit<Parameters<typeof changeProbe>[0], "selector">,
  act: () => Promise<void>,
): Promise<[number, number]> {
  await page.evaluate(changeProbe, { selector: BODY_ROWS, ...probe });
  const started = performance.now();
  await act();
  await page.waitForFunction(() => (globalThis as Marks).tillrollDone !== undefined, undefined, {
    timeout: 10_000,
  });
  const wall = performance.now() - started;
  const marks = await page.evaluate(() => {
    const { tillrollStart, tillrollDone } = globalThis as Marks;
    return { tillrollStart, tillrollDone };
  });
  return [(marks.tillrollDone ?? Number.NaN) - (marks.tillrollStart ?? Number.NaN), wall];
}

const ms = (value: number) => `${Math.round(value)} ms`;

describe.skipIf(!MASK_BUILT || !browserAvailable())(
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
      const firstInPage = await page.evaluate(() => (globalThis as Marks).tillrollFirstRow ?? -1);
      console.log(
        `first page of 100,000 rows: ${ms(firstInPage)} from navigation start to the first row (wall clock ${ms(firstWall)})`,
      );
      expect(await rows.count()).toBe(100);
      await expect.poll(() => page.getByText("1–100 of 100,000").count()).toBe(1);
      await screenshot(page, "overview-100k");

      // A store: 100 rows (10 tills × 10 flow services), applied on Enter.
      const [storeInPage, storeWall] = await timeChange(
        page,
        { startOn: "keydown", prefix: "1005/" },
        async () => {
          await page.getByLabel("Store", { exact: true }).fill("1005");
          await page.getByLabel("Store", { exact: true }).press("Enter");
        },
      );
      console.log(
        `filter store=1005 over 100,000 rows: ${ms(storeInPage)} from Enter to the table updated (wall clock ${ms(storeWall)})`,
      );
      expect(await rows.count()).toBe(100);

      await page.getByRole("button", { name: "Clear filters" }).click();
      await expect.poll(() => page.getByText("1–100 of 100,000").count()).toBe(1);

      // A status: the Failed rows of the whole fleet (a few thousand), first page of them.
      const [statusInPage, statusWall] = await timeChange(
        page,
        { startOn: "click", status: "Failed" },
        async () => {
          await page
            .getByRole("group", { name: "Status" })
            .getByRole("checkbox", { name: "Failed", exact: true })
            .check();
          // If ticking alone does not apply the filter, the button does (the clock started at the tick).
          if ((await page.evaluate(() => (globalThis as Marks).tillrollDone)) === undefined)
            await page.getByRole("button", { name: "Apply filters" }).click();
        },
      );
      console.log(
        `filter status=Failed over 100,000 rows: ${ms(statusInPage)} from the tick to the table updated (wall clock ${ms(statusWall)})`,
      );
      await screenshot(page, "overview-100k-failed");

      expect(firstInPage).toBeGreaterThan(0);
      expect(firstInPage).toBeLessThan(FIRST_PAGE_MS);
      expect(storeInPage).toBeLessThan(FILTER_MS);
      expect(statusInPage).toBeLessThan(FILTER_MS);
      expectNoPageErrors(web.errors);
    });
  },
);
