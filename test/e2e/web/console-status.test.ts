import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JsonRow } from "../coordinator-kit.js";
import { daysAhead, isoAt, isoDay } from "../future-dates.js";
import { recordingPack } from "../release-probes.js";
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
 * Issue 12, acceptance 1: the status overview mask in real Chromium against a
 * real coordinator and real agents (3 stores × 2 tills). Before the browser
 * opens, the fleet is brought into the states the mask must show:
 *
 *   1001/02  OK, 1.1.0 active            (the Active Version filter)
 *   1002/01  Prepared, 1.1.0 from half a year ahead (Preferred Version, Valid From)
 *   1002/02  In Progress: 1.2.0's install hook sleeps (not selectable)
 *   1003/01  Rolled Back: 1.3.0's health check fails (Retry)
 *   others   OK, 1.0.0, nothing preferred
 */

const FN = "pos-client";
/**
 * Valid From dates ahead of now (they were 2027-06-01 and 2027-07-01: once
 * past, the till would install at once and leave Prepared).
 */
const FUTURE_DAY = daysAhead(180);
const FUTURE = isoAt(FUTURE_DAY, "08:00");
const LATER = `${isoDay(daysAhead(210))}T10:00`;
/**
 * 1.2.0's before-install hook waits for this file (60 s at most): 1002/02
 * stays In Progress through the test, and is let go before the teardown
 * (an agent inside a hook would hold its SIGTERM for 10 s).
 */
const GO = "go-1.2.0";
const WAITING_HOOK = `echo "$TILLROLL_TO_VERSION $TILLROLL_REQUEST_ID" >> "$TILLROLL_MARKER_DIR/installs"
i=0
while [ ! -e "$TILLROLL_MARKER_DIR/${GO}" ] && [ $i -lt 300 ]; do sleep 0.2; i=$((i+1)); done`;

const key = (r: { store: string; workstation: string; function?: string }) =>
  `${r.store}/${r.workstation}/${r.function ?? FN}`;

/** How long the page may take to show what a step expects (a loaded 2-core machine). */
const SOON = { timeout: 10_000 };

let fleet: ConsoleFleet;
let web: ConsoleSession;
let page: Page;
/** Page fetches so far: a change that shows with none since is the live feed's. */
let pageRequests = 0;

/** `data-row` of every body row, in the table's order. */
async function shown(): Promise<string[]> {
  const keys = await page
    .locator('table[aria-label="Status overview"] tbody tr[data-row]')
    .evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-row") ?? ""));
  return keys;
}

async function statusOf(id: string): Promise<string | null> {
  return page.locator(`tr[data-row="${id}"]`).getAttribute("data-status", { timeout: 2_000 });
}

async function rowsWhere(test: (r: JsonRow) => boolean): Promise<string[]> {
  return (await fleet.kit.rows()).filter(test).map(key).sort();
}

async function expectShown(expected: string[]): Promise<void> {
  expect(expected.length).toBeGreaterThan(0);
  expect(expected.length).toBeLessThan(fleet.tills.length);
  await expect.poll(async () => (await shown()).sort(), SOON).toEqual(expected);
}

/** Clears the filters, then applies one (text fields by their label, typed and Enter). */
async function filterText(label: string, value: string): Promise<void> {
  // No wait in between: the page shows the answer to the last request only.
  await page.getByRole("button", { name: "Clear filters" }).click();
  const field = page.getByLabel(label, { exact: true });
  await field.fill(value);
  await field.press("Enter");
}

describe.skipIf(!browserAvailable())(
  "the status overview in the browser",
  { timeout: 90_000 },
  () => {
    beforeAll(async () => {
      const begun = Date.now();
      fleet = await startConsoleFleet("console-status", {
        packs: [
          recordingPack("1.0.0"),
          recordingPack("1.1.0"),
          recordingPack("1.2.0", { beforeInstall: WAITING_HOOK }),
          recordingPack("1.3.0", { health: "fail", healthTimeoutSeconds: 1 }),
        ],
      });
      console.log(`fleet started in ${Date.now() - begun} ms`);
      const set = async (store: string, till: string, version: string, ...more: string[]) => {
        const result = await fleet.release.cli(
          "otto",
          "set-preferred",
          "--function",
          FN,
          "--version",
          version,
          "--store",
          store,
          "--workstation",
          till,
          ...more,
        );
        if (result.code !== 0) throw new Error(`set-preferred ${store}/${till}: ${result.stderr}`);
      };
      await set("1003", "01", "1.3.0");
      await set("1001", "02", "1.1.0");
      await set("1002", "01", "1.1.0", "--valid-from", FUTURE);
      await set("1002", "02", "1.2.0");
      const started = Date.now();
      await fleet.kit.until("the mask's states", (rows) => {
        const s = (id: string) => rows.find((r) => key(r) === id);
        return (
          s("1003/01/pos-client")?.status === "Rolled Back" &&
          s("1001/02/pos-client")?.status === "OK" &&
          s("1001/02/pos-client")?.activeVersion === "1.1.0" &&
          s("1002/01/pos-client")?.status === "Prepared" &&
          s("1002/02/pos-client")?.status === "In Progress"
        );
      });
      console.log(`fleet states reached in ${Date.now() - started} ms`);
      web = await fleet.openConsole();
      page = web.page;
      // A missing control fails in seconds, not in playwright's default 30.
      page.setDefaultTimeout(10_000);
      page.on("request", (request) => {
        if (request.url().includes("/api/status/page")) pageRequests += 1;
      });
    }, 120_000);
    afterAll(async () => {
      const slow = fleet?.kit.agents.get("1002/02");
      if (slow) await writeFile(join(slow.markers, GO), "").catch(() => undefined);
      await closeAll(web, fleet);
    });

    it("logs in as an operator and filters by each of the seed's filters", async () => {
      const started = Date.now();
      await fleet.login(page, fleet.operators.operator);
      await expect.poll(() => shown().then((s) => s.length), SOON).toBe(fleet.tills.length);
      await expect
        .poll(() => page.getByRole("status", { name: "Live updates" }).textContent(), SOON)
        .toBe("Live");
      await expect
        .poll(() => page.getByLabel("Counts").textContent(), SOON)
        .toContain("Rolled Back 1");

      await filterText("Store", "1001");
      await expectShown(await rowsWhere((r) => r.store === "1001"));
      await filterText("Workstation", "02");
      await expectShown(await rowsWhere((r) => r.workstation === "02"));
      await filterText("Active Version", "1.1.0");
      await expectShown(["1001/02/pos-client"]);
      await filterText("Preferred Version", "1.1.0");
      await expectShown(await rowsWhere((r) => r.preferredVersion === "1.1.0"));
      await filterText("Business Unit Group", "DE/South");
      await expectShown(["1002/01/pos-client", "1002/02/pos-client"]);
      // A list where the API takes lists.
      await filterText("Store", "1001, 1003");
      await expectShown(await rowsWhere((r) => r.store === "1001" || r.store === "1003"));

      await page.getByRole("button", { name: "Clear filters" }).click();
      await page.getByRole("checkbox", { name: "Rolled Back", exact: true }).check();
      await page.getByRole("checkbox", { name: "In Progress", exact: true }).check();
      await page.getByRole("button", { name: "Apply filters" }).click();
      await expectShown(["1002/02/pos-client", "1003/01/pos-client"]);
      // The filters are in the address: a reload keeps them.
      expect(page.url()).toMatch(/status=/);
      await page.reload();
      await expectShown(["1002/02/pos-client", "1003/01/pos-client"]);

      await page.getByRole("button", { name: "Clear filters" }).click();
      await page.getByLabel("Valid From Date From", { exact: true }).fill(isoDay(FUTURE_DAY));
      await page.getByLabel("Valid From Date To", { exact: true }).fill(isoDay(FUTURE_DAY));
      await page.getByRole("button", { name: "Apply filters" }).click();
      await expectShown(["1002/01/pos-client"]);

      await page.getByRole("button", { name: "Clear filters" }).click();
      await expect.poll(() => shown().then((s) => s.length), SOON).toBe(fleet.tills.length);

      // Sorting is the server's: a header sorts by its column, again the other way round.
      const rank = ["OK", "Prepared", "In Progress", "Not Ready", "Rolled Back", "Failed"];
      const statusHeader = page.getByRole("columnheader", { name: "Status", exact: true });
      const shownRanks = () =>
        page
          .locator('table[aria-label="Status overview"] tbody tr[data-row]')
          .evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-status") ?? ""))
          .then((statuses) => statuses.map((s) => rank.indexOf(s)));
      await statusHeader.getByRole("button").click();
      await expect.poll(() => statusHeader.getAttribute("aria-sort"), SOON).toBe("ascending");
      await expect.poll(shownRanks, SOON).toEqual((await shownRanks()).sort((a, b) => a - b));
      await statusHeader.getByRole("button").click();
      await expect.poll(() => statusHeader.getAttribute("aria-sort"), SOON).toBe("descending");
      await expect.poll(shownRanks, SOON).toEqual((await shownRanks()).sort((a, b) => b - a));
      expect(page.url()).toMatch(/sort=status&dir=desc/);
      await page
        .getByRole("columnheader", { name: "Store", exact: true })
        .getByRole("button")
        .click();
      await expect.poll(() => shown(), SOON).toEqual((await shown()).sort());
      console.log(`login and filters: ${Date.now() - started} ms`);
    });

    it("sets a preferred version on one row with a Valid From", async () => {
      const id = "1001/01/pos-client";
      await page.getByLabel(`Preferred Version for ${id}`, { exact: true }).selectOption("1.1.0");
      await page.getByLabel(`Valid From for ${id}`, { exact: true }).fill(LATER);
      await page.getByRole("button", { name: `Set preferred version for ${id}` }).click();
      await expect.poll(() => statusOf(id), SOON).toBe("Prepared");
      // The browser's wall time, as the UTC instant the coordinator stored.
      const expected = await page.evaluate(`new Date("${LATER}").toISOString()`);
      const stored = (await fleet.kit.rows()).find((r) => key(r) === id);
      expect(stored?.preferredVersion).toBe("1.1.0");
      expect(stored?.validFrom).toBe(expected);
    });

    it("bulk-changes a selection: In Progress not selectable, the skipped row shown before OK", async () => {
      const started = Date.now();
      await installStatusRecorder();
      const inProgress = page.getByLabel("Select 1002/02/pos-client", { exact: true });
      expect(await inProgress.isDisabled()).toBe(true);
      expect(await inProgress.getAttribute("title")).toMatch(/In Progress/);

      await page.getByLabel("Select 1001/02/pos-client", { exact: true }).check();
      await page.getByLabel("Select 1003/02/pos-client", { exact: true }).check();
      const open = page.getByRole("button", { name: "Change Preferred Version" });
      // Escape closes the dialog and gives the focus back; nothing changed.
      await open.click();
      const dialog = page.getByRole("dialog", { name: "Change Preferred Version" });
      await dialog.waitFor();
      await page.keyboard.press("Escape");
      await dialog.waitFor({ state: "hidden" });
      expect(await open.evaluate((button) => button === button.ownerDocument.activeElement)).toBe(
        true,
      );

      await open.click();
      await dialog.getByLabel("Version", { exact: true }).selectOption("1.1.0");
      await expect.poll(() => dialog.textContent(), SOON).toContain("1 row change");
      const skipped = dialog.getByLabel("Skipped");
      expect(await skipped.textContent()).toContain("1001/02/pos-client");
      expect(await skipped.textContent()).toMatch(/1\.1\.0 is already the active version/);
      expect(
        (await fleet.kit.rows()).find((r) => key(r) === "1003/02/pos-client")?.preferredVersion,
      ).toBe(null);
      const fetched = pageRequests;
      await dialog.getByRole("button", { name: "OK" }).click();
      await dialog.waitFor({ state: "hidden" });

      // The agent installs 1.1.0; the row follows live, without a reload.
      await expect
        .poll(() => page.locator('tr[data-row="1003/02/pos-client"] td').nth(4).textContent(), {
          timeout: 30_000,
        })
        .toBe("1.1.0");
      expect(await statusOf("1003/02/pos-client")).toBe("OK");
      // Shown Prepared by the one fetch after OK, then OK by the live feed alone.
      const seen = await seenStatuses("1003/02/pos-client");
      expect(seen).toContain("Prepared");
      expect(seen.at(-1)).toBe("OK");
      expect(pageRequests - fetched).toBe(1);
      expect(await page.evaluate("window.__statusRecorder !== undefined")).toBe(true);
      console.log(`bulk change and its live install: ${Date.now() - started} ms`);
    });

    it("presses Retry on a Rolled Back row and sees it go round again live", async () => {
      const started = Date.now();
      const id = "1003/01/pos-client";
      expect(await statusOf(id)).toBe("Rolled Back");
      const fetched = pageRequests;
      await page.getByRole("button", { name: `Retry ${id}` }).click();
      await expect.poll(() => seenStatuses(id), { timeout: 30_000 }).toContain("In Progress");
      await expect.poll(() => statusOf(id), { timeout: 30_000 }).toBe("Rolled Back");
      expect((await seenStatuses(id)).slice(-2)).toEqual(["In Progress", "Rolled Back"]);
      expect(pageRequests - fetched).toBe(1);
      // No reload happened: the recorder installed before is still there.
      expect(await page.evaluate("window.__statusRecorder !== undefined")).toBe(true);
      const reason = page.getByRole("button", { name: `Reason for ${id}` });
      await reason.click();
      expect(await page.locator(`tr[data-row="${id}"] .reason`).textContent()).toMatch(
        /health check of 1\.3\.0 failed/,
      );
      console.log(`retry and its live round: ${Date.now() - started} ms`);

      await page.getByRole("button", { name: `Install log for ${id}` }).click();
      const log = page.getByRole("dialog", { name: `Install log for ${id}` });
      await log.waitFor();
      await expect.poll(() => log.textContent(), SOON).not.toContain("Loading…");
      await page.keyboard.press("Escape");
      await log.waitFor({ state: "hidden" });

      await screenshot(page, "status-overview");
      await page.setViewportSize({ width: 768, height: 1024 });
      await screenshot(page, "status-overview-tablet");
      await page.setViewportSize({ width: 1440, height: 900 });
      expectNoPageErrors(web.errors);
    });

    it("shows a viewer the rows but no change controls", async () => {
      await fleet.login(page, fleet.operators.viewer);
      await expect.poll(() => shown().then((s) => s.length), SOON).toBe(fleet.tills.length);
      const buttons = (name: RegExp | string) => page.getByRole("button", { name }).count();
      expect(await buttons("Change Preferred Version")).toBe(0);
      expect(await buttons(/^(Set preferred version|Retry) /)).toBe(0);
      expect(await page.getByRole("checkbox", { name: /^Select / }).count()).toBe(0);
      expect(await buttons(/^Install log for /)).toBe(fleet.tills.length);
      expectNoPageErrors(web.errors);
    });
  },
);

/**
 * Records every data-status each row shows, in the page itself: the proof
 * that the row moved through its states live (a reload would drop it).
 */
async function installStatusRecorder(): Promise<void> {
  await page.evaluate(`(() => {
    const seen = {};
    const note = (tr) => {
      const row = tr.getAttribute("data-row");
      const status = tr.getAttribute("data-status");
      if (!row || !status) return;
      const list = (seen[row] ??= []);
      if (list[list.length - 1] !== status) list.push(status);
    };
    document.querySelectorAll("tr[data-row]").forEach(note);
    new MutationObserver((changes) => {
      for (const change of changes) {
        if (change.type === "attributes") note(change.target);
        for (const node of change.addedNodes) {
          if (node.nodeType !== 1) continue;
          if (node.matches("tr[data-row]")) note(node);
          node.querySelectorAll("tr[data-row]").forEach(note);
        }
      }
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-status"] });
    window.__statusRecorder = seen;
  })()`);
}

async function seenStatuses(id: string): Promise<string[]> {
  return page.evaluate(`(window.__statusRecorder || {})[${JSON.stringify(id)}] || []`);
}
