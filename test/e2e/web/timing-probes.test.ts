import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserAvailable, launchBrowser } from "./browser.js";
import { firstRowAt, firstRowProbe, timeChange } from "./timing-probes.js";

/**
 * The instrument the scale test reads its figures from, on a page whose
 * timings are known: rows that appear 300 ms after load, and a filter that
 * replaces them 120 ms after Enter (a first, wrong answer at 40 ms must not
 * stop the clock).
 */
const PAGE = `<!doctype html><html><body>
<input aria-label="Store" id="store">
<table aria-label="Status overview"><tbody id="rows"></tbody></table>
<script>
  const rows = document.getElementById("rows");
  const fill = (prefix, status) => {
    rows.innerHTML = [1, 2, 3]
      .map((i) => '<tr data-row="' + prefix + '/0' + i + '/pos-client" data-status="' + status + '"><td>x</td></tr>')
      .join("");
  };
  setTimeout(() => fill("1000", "OK"), 300);
  document.getElementById("store").addEventListener("keydown", (e) => {
    if (e.key !== "Enter") return;
    setTimeout(() => fill("1000", "Failed"), 40);
    setTimeout(() => fill(e.target.value, "Failed"), 120);
  });
</script></body></html>`;

const ROWS = 'table[aria-label="Status overview"] tbody tr[data-row]';

describe.skipIf(!browserAvailable())("timing probes in the page", () => {
  let browser: Browser;
  let page: Page;
  beforeAll(async () => {
    browser = await launchBrowser();
    page = await browser.newPage();
    await page.addInitScript(firstRowProbe, ROWS);
    await page.route("http://console.test/", (route) =>
      route.fulfill({ contentType: "text/html", body: PAGE }),
    );
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("the first row's time from navigation start, and a change from Enter to the rows all matching", async () => {
    await page.goto("http://console.test/");
    await page.locator(ROWS).first().waitFor();
    const first = await firstRowAt(page);
    expect(first).toBeGreaterThanOrEqual(300);
    expect(first).toBeLessThan(1_000);

    const { inPage, wall } = await timeChange(
      page,
      { selector: ROWS, startOn: "keydown", prefix: "1005/" },
      async () => {
        await page.getByLabel("Store").fill("1005");
        await page.getByLabel("Store").press("Enter");
      },
    );
    expect(inPage).toBeGreaterThanOrEqual(115);
    expect(inPage).toBeLessThan(400);
    expect(wall).toBeGreaterThanOrEqual(inPage);
  });
});
