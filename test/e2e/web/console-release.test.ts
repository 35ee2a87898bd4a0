import type { Locator, Page } from "playwright-core";
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
 * Acceptance 2 of issue 12: a staged release run from the browser against a
 * real coordinator and real agents (3 stores × 1 till, pos-client 1.0.0).
 * rita (an approver) creates it in the form and starts it; as its creator she
 * is not offered Approve (four eyes); paul approves the checkpoint with a
 * comment (after rita paused and resumed it); otto (an operator) presses Go
 * on the trigger card; the stage cards move to Successful as the agents
 * report. Then a downgrade is confirmed in the form and that task cancelled
 * through its dialog.
 */

const STORES = ["1001", "1002", "1003"];
/** How long a stage may take to become what the test waits for (agents install for real). */
const STAGE_MS = 30_000;

/** A stage card, found as the tests and screen readers find it. */
function stage(page: Page, name: string): Locator {
  return page.getByRole("region", { name: `Stage ${name}`, exact: true });
}

async function untilStageState(page: Page, name: string, state: string): Promise<void> {
  await expect
    .poll(() => stage(page, name).getAttribute("data-state"), {
      timeout: STAGE_MS,
      message: `stage ${name} becomes ${state}`,
    })
    .toBe(state);
}

function taskState(page: Page): Locator {
  return page.locator(".rel-head [data-state]");
}

describe.skipIf(!browserAvailable())("the web console runs a staged release", () => {
  let fleet: ConsoleFleet | undefined;
  let web: ConsoleSession | undefined;
  let releaseId: string | undefined;

  beforeAll(async () => {
    const started = Date.now();
    fleet = await startConsoleFleet("console-release", { stores: STORES, tills: ["01"] });
    web = await fleet.openConsole();
    console.log(`console-release: fleet and browser up in ${Date.now() - started} ms`);
  }, 120_000);

  afterAll(async () => {
    await fleet?.release.cancelIfActive(releaseId);
    await closeAll(web, fleet);
  });

  it("creates, starts, approves (not by its creator), triggers and completes a release", async () => {
    if (fleet === undefined || web === undefined) throw new Error("fixture not started");
    const { page } = web;
    const { approver, approver2, operator } = fleet.operators;
    const timings: string[] = [];
    let mark = Date.now();
    const lap = (what: string) => {
      timings.push(`${what} ${Date.now() - mark} ms`);
      mark = Date.now();
    };

    // rita creates it in the form. An empty form is refused in the browser, field by field.
    await fleet.login(page, approver);
    await page.getByRole("link", { name: "Releases" }).click();
    await page.getByRole("link", { name: "New release task" }).click();
    await page.getByRole("button", { name: "Create" }).click();
    await expect
      .poll(() => page.getByRole("list", { name: "Problems" }).textContent())
      .toContain("Flow Service: is required");
    await page.getByLabel("Name", { exact: true }).fill("pos-client 1.1.0 from the console");
    await page.getByLabel("Flow Service", { exact: true }).fill("pos-client");
    await page.getByLabel("Version", { exact: true }).fill("1.1.0");
    await page.getByLabel("Target Business Unit Group").fill("DE");
    await page.getByLabel("Stage 1 Size").selectOption("target");
    await page.getByLabel("Stage 1 Stores").fill("1001");
    await page.getByRole("button", { name: "Add stage" }).click();
    await page.getByLabel("Stage 2 Name").fill("wave 1");
    await page.getByLabel("Stage 2 Size").selectOption("count");
    await page.getByLabel("Stage 2 Count").fill("1");
    await page.getByLabel("Stage 2 Checkpoint").selectOption("approval");
    await page.getByRole("button", { name: "Add stage" }).click();
    await page.getByLabel("Stage 3 Name").fill("rest");
    await page.getByLabel("Stage 3 Checkpoint").selectOption("trigger");
    // A wrong threshold is named next to its field by the contract's own schema.
    await page.getByLabel("Error threshold").fill("5");
    await page.getByRole("button", { name: "Create" }).click();
    await expect
      .poll(() => page.getByRole("list", { name: "Problems" }).textContent())
      .toContain("Error threshold");
    await page.getByLabel("Error threshold").fill("0%");
    await page.getByLabel("Stage timeout").fill("2m");
    await page.getByRole("button", { name: "Create" }).click();
    await page.waitForURL(/\/releases\/\d+$/);
    releaseId = /\/releases\/(\d+)$/.exec(page.url())?.[1];
    expect(releaseId).toBeDefined();
    await expect.poll(() => taskState(page).textContent()).toBe("Ready");
    lap("created in the form");

    // Started by its creator: the pilot store installs, then "wave 1" waits for approval.
    await page.getByRole("button", { name: "Start", exact: true }).click();
    await untilStageState(page, "pilot", "Successful");
    await untilStageState(page, "wave 1", "Waiting for approval");
    lap("pilot Successful");
    // Four eyes: rita is an approver, but she created it: no Approve, no Reject, and why.
    const ritasCard = stage(page, "wave 1");
    expect(await ritasCard.getByRole("button", { name: "Approve" }).count()).toBe(0);
    expect(await ritasCard.getByRole("button", { name: "Reject" }).count()).toBe(0);
    expect(await ritasCard.textContent()).toContain("another approver must decide");
    // Pause and Resume are offered by the state: Running offers Pause, Paused offers Resume.
    expect(await page.getByRole("button", { name: "Resume" }).count()).toBe(0);
    await page.getByRole("button", { name: "Pause" }).click();
    await expect.poll(() => taskState(page).textContent()).toBe("Paused");
    expect(await page.getByRole("button", { name: "Pause" }).count()).toBe(0);
    await page.getByRole("button", { name: "Resume" }).click();
    await expect.poll(() => taskState(page).textContent()).toBe("Running");
    await untilStageState(page, "wave 1", "Waiting for approval");
    expectNoPageErrors(web.errors);

    // paul approves with a comment.
    await fleet.login(page, approver2);
    await page.goto(`/releases/${releaseId}`);
    const paulsCard = stage(page, "wave 1");
    await paulsCard.getByLabel("Comment").fill("pilot store 1001 looks good");
    await paulsCard.getByRole("button", { name: "Approve" }).click();
    await untilStageState(page, "wave 1", "Successful");
    const decisions = paulsCard.getByRole("list", { name: "Decisions on stage wave 1" });
    expect(await decisions.textContent()).toContain("approved by paul");
    expect(await decisions.textContent()).toContain("pilot store 1001 looks good");
    await untilStageState(page, "rest", "Waiting for trigger");
    lap("approved, wave 1 Successful");

    // otto presses Go on the trigger card; the last stage and the task end Successful.
    await fleet.login(page, operator);
    await page.goto(`/releases/${releaseId}`);
    await stage(page, "rest").getByRole("button", { name: "Go" }).click();
    await untilStageState(page, "rest", "Successful");
    await expect
      .poll(() => taskState(page).textContent(), { timeout: STAGE_MS })
      .toBe("Successful");
    lap("triggered, rest Successful");
    const history = await page.getByRole("region", { name: "History" }).textContent();
    expect(history).toContain("Running → Successful");
    await screenshot(page, "release-view");

    // The list: state and a full progress bar (every member OK).
    await page.getByRole("link", { name: "← Release tasks" }).click();
    const row = page.locator(`tr[data-release="${releaseId}"]`);
    await expect.poll(() => row.textContent()).toContain("Successful");
    const bar = row.getByRole("progressbar");
    expect(await bar.getAttribute("aria-valuenow")).toBe(String(STORES.length));
    expect(await bar.getAttribute("aria-valuemax")).toBe(String(STORES.length));
    await screenshot(page, "release-list");
    lap("list checked");
    console.log(`console-release: ${timings.join(", ")}`);
    expectNoPageErrors(web.errors);
  }, 120_000);

  it("asks to confirm a downgrade, shows its warning, and cancels a task only after its dialog", async () => {
    if (fleet === undefined || web === undefined) throw new Error("fixture not started");
    const { page } = web;
    await fleet.login(page, fleet.operators.operator);
    await page.goto("/releases/new");
    await page.getByLabel("Name", { exact: true }).fill("back to 1.0.0");
    await page.getByLabel("Flow Service", { exact: true }).fill("pos-client");
    await page.getByLabel("Version", { exact: true }).fill("1.0.0");
    await page.getByRole("button", { name: "Create" }).click();
    // The server refuses the downgrade (409); the form asks for the confirmation.
    const confirm = page.getByLabel("I confirm the downgrade");
    await confirm.waitFor();
    expect(await page.getByRole("button", { name: "Create" }).isDisabled()).toBe(true);
    await confirm.check();
    await page.getByRole("button", { name: "Create" }).click();
    await page.waitForURL(/\/releases\/\d+$/);
    const id = /\/releases\/(\d+)$/.exec(page.url())?.[1];
    expect(await page.getByRole("list", { name: "Warnings" }).textContent()).toContain(
      "compatibility with older versions is not guaranteed",
    );
    expect(await page.getByText("Downgrade allowed").count()).toBe(1);

    // Cancel task asks first; "No, keep it" changes nothing, the dialog's yes cancels.
    await page.getByRole("button", { name: "Cancel task" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("button", { name: "No, keep it" }).click();
    await expect.poll(() => dialog.count()).toBe(0);
    expect(await taskState(page).textContent()).toBe("Ready");
    await page.getByRole("button", { name: "Cancel task" }).click();
    await dialog.getByRole("button", { name: "Yes, cancel the task" }).click();
    await expect.poll(() => taskState(page).textContent()).toBe("Cancelled");
    const shown = await fleet.release.show(id ?? "");
    expect(shown.state).toBe("Cancelled");
    // Chromium logs the refused downgrade (409) as a failed load: that refusal is the point.
    expectNoPageErrors(web.errors, { allow: [/status of 409 .*\/api\/releases\)$/] });
  }, 60_000);
  it("shows the server's refusal when the task changed behind the page", async () => {
    if (fleet === undefined || web === undefined) throw new Error("fixture not started");
    const { page } = web;
    const otto = fleet.operators.operator;
    const created = await fleet.release.api(otto, "POST", "/api/releases", {
      name: "changed behind the page",
      function: "pos-client",
      version: "1.2.0",
      stages: [{ name: "all" }],
    });
    expect(created.status).toBe(201);
    const id = (created.body as { id: string }).id;
    // The page's clock stands still: no poll shows it the change below.
    await page.clock.install();
    await fleet.login(page, otto);
    await page.goto(`/releases/${id}`);
    await expect.poll(() => taskState(page).textContent()).toBe("Ready");
    const cancelled = await fleet.release.api(otto, "POST", "/api/releases/cancel", { id });
    expect(cancelled.status).toBe(200);
    await page.getByRole("button", { name: "Start", exact: true }).click();
    await expect
      .poll(() => page.getByRole("alert").textContent())
      .toBe("the release task is Cancelled: it has ended");
    expectNoPageErrors(web.errors, {
      allow: [/status of 409 .*\/api\/releases(\/start)?\)$/],
    });
  }, 60_000);
});
