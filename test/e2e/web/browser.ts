import { existsSync } from "node:fs";
import { type Browser, chromium, type Page } from "playwright-core";

/**
 * Debian's Chromium driven by playwright-core (never a downloaded browser).
 * Each launch gets a fresh temporary profile from playwright itself (it
 * refuses --user-data-dir in args); the flags keep Chromium off the network
 * (without them it floods a closed network with background requests).
 */
export const CHROMIUM = process.env.TILLROLL_CHROMIUM ?? "/usr/bin/chromium";

export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
] as const;

/**
 * Whether browser tests can run. Under CI a missing Chromium is a failure
 * (a green run must not hide a missing install); elsewhere the tests skip.
 */
export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI) throw new Error(`${CHROMIUM} is missing: run scripts/ensure-test-deps.sh`);
  return false;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_FLAGS],
  });
}

/** Every console error and uncaught page error, so a test can assert there were none. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => errors.push(`page: ${error.message}`));
  return errors;
}
