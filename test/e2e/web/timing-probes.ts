import type { Page } from "playwright-core";

/**
 * Timing the console in the page itself, so a figure is what the user waits
 * for and not the test's round trips to the browser: performance.now() from
 * navigation start to the first table row in the DOM, and from the user's own
 * key press or click to the table holding only matching rows. The probes are
 * handed to the page as source (addInitScript / evaluate): they must use
 * nothing but their argument and the page's globals.
 */

/** In-page marks the probes leave on `globalThis`. */
export interface Marks {
  tillrollFirstRow?: number;
  tillrollStart?: number;
  tillrollDone?: number;
}

export interface ChangeProbe {
  /** The rows to watch (CSS). */
  selector: string;
  /** The user's event that starts the clock: Enter in a field, or a click. */
  startOn: "keydown" | "click";
  /** Done when every row's data-row starts with this … */
  prefix?: string;
  /** … and/or every row's data-status is this (and there is at least one row). */
  status?: string;
}

/** For addInitScript: marks when the first `selector` is in the DOM, relative to navigation start. */
export function firstRowProbe(selector: string): void {
  const marks = globalThis as Marks;
  const observer = new MutationObserver(() => {
    if (marks.tillrollFirstRow === undefined && document.querySelector(selector) !== null) {
      marks.tillrollFirstRow = performance.now();
      observer.disconnect();
    }
  });
  observer.observe(document, { childList: true, subtree: true });
}

/**
 * For evaluate, before an action: marks the next trusted `startOn` event and
 * the first DOM change after it that leaves every row matching.
 */
export function changeProbe(probe: ChangeProbe): void {
  const marks = globalThis as Marks;
  marks.tillrollStart = undefined;
  marks.tillrollDone = undefined;
  const matches = () => {
    const rows = [...document.querySelectorAll<HTMLElement>(probe.selector)];
    return (
      rows.length > 0 &&
      rows.every(
        (row) =>
          (probe.prefix === undefined || (row.dataset.row ?? "").startsWith(probe.prefix)) &&
          (probe.status === undefined || row.dataset.status === probe.status),
      )
    );
  };
  const observer = new MutationObserver(() => {
    if (marks.tillrollStart === undefined || !matches()) return;
    marks.tillrollDone = performance.now();
    observer.disconnect();
  });
  const start = (event: Event) => {
    if (!event.isTrusted || (event instanceof KeyboardEvent && event.key !== "Enter")) return;
    document.removeEventListener(probe.startOn, start, { capture: true });
    marks.tillrollStart = performance.now();
    observer.observe(document.body, { childList: true, subtree: true, attributes: true });
  };
  document.addEventListener(probe.startOn, start, { capture: true });
}

/** Milliseconds from navigation start to the first row firstRowProbe saw (undefined: none yet). */
export function firstRowAt(page: Page): Promise<number | undefined> {
  return page.evaluate(() => (globalThis as Marks).tillrollFirstRow);
}

/** Times `act` with changeProbe; answers the in-page and the wall-clock milliseconds. */
export async function timeChange(
  page: Page,
  probe: ChangeProbe,
  act: () => Promise<void>,
  timeoutMs = 10_000,
): Promise<{ inPage: number; wall: number }> {
  await page.evaluate(changeProbe, probe);
  const started = performance.now();
  await act();
  await page.waitForFunction(() => (globalThis as Marks).tillrollDone !== undefined, undefined, {
    timeout: timeoutMs,
  });
  const wall = performance.now() - started;
  const marks = await page.evaluate(() => {
    const { tillrollStart, tillrollDone } = globalThis as Marks;
    return { tillrollStart, tillrollDone };
  });
  return { inPage: (marks.tillrollDone ?? Number.NaN) - (marks.tillrollStart ?? Number.NaN), wall };
}
