import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateRows, seedDataDir } from "../../bench/scenarios/fleet-data.js";
import { type TempDir, tempDir } from "../../support/temp.js";
import { jsonOnly } from "../test-store.js";
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
 * the first row in the DOM; from the user's Enter, or click on "Apply
 * filters", to the table holding only matching rows) and printed, with the
 * test's wall clock.
 */

const ROWS = 100_000;
const FIRST_PAGE_MS = 1_000;
const FILTER_MS = 200;
const BODY_ROWS = 'table[aria-label="Status overview"] tbody tr[data-row]';

/**
 * Each figure is taken several times and judged by its median: the test
 * machine is shared (2 cores, other test files' brokers and agents), and
 * one stolen time slice must not decide the verdict. Every run is printed.
 */
const REPEATS = 3;
const STORES = ["1005", "1234", "1500", "1777", "1999"];
const STATUS_FILTERS = ["Failed", "Rolled Back", "Not Ready", "Prepared", "In Progress"];

const ms = (value: number) => `${Math.round(value)} ms`;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

describe.skipIf(
  !browserAvailable() ||
    jsonOnly("seeds 100,000 rows straight into the JSON data folder (fleet-data.ts seedDataDir)"),
)("the status overview over 100,000 stored rows", { timeout: 180_000 }, () => {
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
    const status = (name: string) =>
      page.getByRole("group", { name: "Status" }).getByRole("checkbox", { name, exact: true });

    // First page: a signed-in operator opens the console (assets cached, as on any later visit).
    const firstPages: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
      const started = performance.now();
      await page.goto("/");
      await rows.first().waitFor({ state: "visible", timeout: 15_000 });
      const wall = performance.now() - started;
      const inPage = (await firstRowAt(page)) ?? Number.NaN;
      firstPages.push(inPage);
      console.log(
        `first page of 100,000 rows: ${ms(inPage)} from navigation start to the first row (wall clock ${ms(wall)})`,
      );
    }
    expect(await rows.count()).toBe(100);
    await expect
      .poll(() => page.getByText("1–100 of 100,000").count(), { timeout: 15_000 })
      .toBe(1);
    await screenshot(page, "overview-100k", { fullPage: false });

    // One store at a time: 100 rows each (10 tills × 10 flow services), applied on Enter.
    const storeChanges: number[] = [];
    for (const store of STORES) {
      const change = await timeChange(
        page,
        { selector: BODY_ROWS, startOn: "keydown", prefix: `${store}/` },
        async () => {
          await page.getByLabel("Store", { exact: true }).fill(store);
          await page.getByLabel("Store", { exact: true }).press("Enter");
        },
      );
      storeChanges.push(change.inPage);
      console.log(
        `filter store=${store} over 100,000 rows: ${ms(change.inPage)} from Enter to the table updated (wall clock ${ms(change.wall)})`,
      );
      expect(await rows.count()).toBe(100);
    }

    await page.getByRole("button", { name: "Clear filters" }).click();
    await expect
      .poll(() => page.getByText("1–100 of 100,000").count(), { timeout: 15_000 })
      .toBe(1);

    // One status at a time over the whole fleet (a few thousand rows each), their first page;
    // a tick is a draft, "Apply filters" applies it (the clock runs from that click).
    const statusChanges: number[] = [];
    let ticked: string | undefined;
    for (const name of STATUS_FILTERS) {
      if (ticked !== undefined) await status(ticked).uncheck();
      await status(name).check();
      ticked = name;
      const change = await timeChange(
        page,
        { selector: BODY_ROWS, startOn: "click", status: name },
        () => page.getByRole("button", { name: "Apply filters" }).click(),
      );
      statusChanges.push(change.inPage);
      console.log(
        `filter status=${name} over 100,000 rows: ${ms(change.inPage)} from Apply filters to the table updated (wall clock ${ms(change.wall)})`,
      );
      if (name === "Failed") await screenshot(page, "overview-100k-failed", { fullPage: false });
    }

    const summary = {
      firstPage: median(firstPages),
      store: median(storeChanges),
      status: median(statusChanges),
    };
    console.log(
      `medians over 100,000 rows: first page ${ms(summary.firstPage)}, store filter ${ms(summary.store)}, status filter ${ms(summary.status)}`,
    );
    expect(summary.firstPage).toBeLessThan(FIRST_PAGE_MS);
    expect(summary.store).toBeLessThan(FILTER_MS);
    expect(summary.status).toBeLessThan(FILTER_MS);
    expectNoPageErrors(web.errors);
  });
});
