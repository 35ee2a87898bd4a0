import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { expect } from "vitest";
import type { PackSpec } from "../../support/packs.js";
import { withTimeout } from "../../support/wait.js";
import { runCli } from "../console-calls.js";
import { CoordinatorProcess, type CoordinatorProcessOptions } from "../coordinator-harness.js";
import type { CoordinatorKit } from "../coordinator-kit.js";
import { ReleaseFleet } from "../release-kit.js";
import { recordingPack } from "../release-probes.js";
import { launchBrowser } from "./browser.js";

/**
 * The fixture every browser test of the web console uses (issue 12).
 *
 * A real coordinator serving the built console at / on its HTTP port, real
 * agents, operators of every role with passwords, and Debian's Chromium:
 *
 *   describe.skipIf(!browserAvailable())("…", () => {
 *     let fleet: ConsoleFleet;
 *     let web: ConsoleSession;
 *     beforeAll(async () => {
 *       fleet = await startConsoleFleet("console-status");   // 3 stores × 2 tills, 1.0.0 OK everywhere
 *       web = await fleet.openConsole();
 *     }, 120_000);
 *     afterAll(() => closeAll(web, fleet));
 *     it("…", async () => {
 *       await fleet.login(web.page, fleet.operators.operator);  // the login page; waits for the nav
 *       await web.page.getByRole("link", { name: "Releases" }).click();
 *       await screenshot(web.page, "releases");                 // test/e2e/web/screenshots/releases.png
 *       expectNoPageErrors(web.errors);
 *     });
 *   });
 *
 * startConsoleFleet(name, options?) → ConsoleFleet
 *   options.stores (default 1001 1002 1003), options.tills (per store, default 01 02),
 *   options.packs (default pos-client 1.0.0, 1.1.0, 1.2.0 as release-probes' recordingPack),
 *   options.coordinator (more coordinator flags).
 *   The fleet: every till enrolled (groups DE/North, DE/South, DE/West by store; others DE),
 *   a real agent each, pos-client 1.0.0 installed and OK, nothing preferred ("-").
 *   .url              where the browser opens the console (also the context's baseURL: goto("/") works)
 *   .tills            ["1001/01", "1001/02", …]
 *   .operators        { viewer: "vera", operator: "otto", approver: "rita", approver2: "paul",
 *                       admin: "ada", platformAdmin: "admin" } (admin = the bootstrap admin)
 *   .password(name)   each one's password (the bootstrap admin's is read from its start log)
 *   .login(page, name)  fills "Name"/"Password", presses "Log in", waits for the nav
 *   .release          ReleaseFleet: cli(who, …), api(who, …), createRelease, operate, untilRelease,
 *                     statusRows(), addOperator(name, role, "--scope", …) (then password(name) works)
 *   .kit              CoordinatorKit: coordinator process, agents, rows(), until()
 *   .openConsole()    a fresh browser (see openConsole below) on .url
 *   .close()          agents and coordinator; bounded (≤ ~45 s)
 *
 * startConsoleServer(name, { dataDir?, coordinator? }) → ConsoleServer
 *   A coordinator alone (no agents), e.g. on a data folder seeded with 100,000 rows. Same
 *   .url/.coordinator/.password/.login/.openConsole/.close; .addOperator(name, role, …more) → password.
 *
 * openConsole(url) → ConsoleSession { browser, context, page, errors, close() }
 *   errors: console errors, uncaught page errors, CSP violations (what and where) and any
 *   request that left loopback (the console must work offline: no CDN).
 * login(page, name, password)  the login page by its labels; waits for the nav ("Main").
 * expectNoPageErrors(errors, { allow?: RegExp[] })  fails the test on any error; the 401 of
 *   the session probe on the login page is expected and allowed.
 * screenshot(page, name, { fullPage? = true })  writes test/e2e/web/screenshots/<name>.png
 *   (gitignored), prints the path.
 * closeAll(...things)  closes sessions and fleets in order, each bounded; never throws.
 */

export const SCREENSHOTS = fileURLToPath(new URL("./screenshots/", import.meta.url));

/** How long any teardown step may take before it is abandoned (a hang must not eat the file's time). */
const CLOSE_MS = 45_000;

export interface ConsoleSession {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Console errors, page errors and off-loopback requests, as they happen. */
  errors: string[];
  close(): Promise<void>;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** A fresh Chromium (fresh profile) with one page whose base URL is the console. */
export async function openConsole(url: string): Promise<ConsoleSession> {
  const browser = await launchBrowser();
  const context = await browser.newContext({
    baseURL: url,
    viewport: { width: 1440, height: 900 },
    // Under --tls the certificate is signed by the coordinator's private CA
    // (DATA/tls/ca.pem), which this fresh profile cannot be told to trust;
    // console-tls.test.ts checks the chain against that CA itself.
    ignoreHTTPSErrors: url.startsWith("https:"),
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error")
      errors.push(`console: ${message.text()} (${message.location().url})`);
  });
  page.on("pageerror", (error) => errors.push(`page: ${error.message}`));
  // Chromium's console line for a CSP violation is only its tail ("Note that 'script-src' was
  // not explicitly set…"): record what was blocked, and where, beside it.
  await context.exposeFunction("tillrollCspViolation", (what: string) =>
    errors.push(`CSP violation: ${what}`),
  );
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      const report = (globalThis as { tillrollCspViolation?: (what: string) => void })
        .tillrollCspViolation;
      report?.(
        `${event.effectiveDirective} blocked ${event.blockedURI || "(inline)"} at ${event.sourceFile}:${event.lineNumber}:${event.columnNumber}`,
      );
    });
  });
  page.on("request", (request) => {
    const { protocol, hostname } = new URL(request.url());
    if ((protocol === "http:" || protocol === "https:") && !LOOPBACK.has(hostname))
      errors.push(`off-loopback request: ${request.url()}`);
  });
  return {
    browser,
    context,
    page,
    errors,
    close: () => withTimeout(browser.close(), 15_000, "closing the browser").catch(() => undefined),
  };
}

/**
 * Expected: the session probe on a page without a session answers 401 and
 * Chromium logs it. Nothing else (the console names its own icon, so Chromium
 * asks for no /favicon.ico).
 */
const EXPECTED: readonly RegExp[] = [/status of 401 .*\/api\/session\)$/];

export function expectNoPageErrors(errors: readonly string[], options: { allow?: RegExp[] } = {}) {
  const allowed = [...EXPECTED, ...(options.allow ?? [])];
  expect(errors.filter((e) => !allowed.some((pattern) => pattern.test(e)))).toEqual([]);
}

/** Logs in through the login page (signing out whoever was in) and waits for the console's nav. */
export async function login(page: Page, name: string, password: string): Promise<void> {
  // A fresh start: whoever was signed in on this context is not any more. Leave the
  // console first, so its open requests and event stream do not meet a dropped session.
  await page.goto("about:blank");
  await page.context().clearCookies();
  await page.goto("/login");
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("navigation", { name: "Main" }).waitFor({ timeout: 15_000 });
}

/** A screenshot (full page unless told) in test/e2e/web/screenshots/NAME.png; prints where. */
export async function screenshot(
  page: Page,
  name: string,
  options: { fullPage?: boolean } = {},
): Promise<string> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: options.fullPage ?? true });
  console.log(`screenshot: ${path}`);
  return path;
}

/** Anything with a close(): sessions, servers, fleets. */
interface Closable {
  close(): Promise<void>;
}

/** Closes each (browser first, then the fleet), each bounded in time; a failure is only logged. */
export async function closeAll(...things: (Closable | undefined)[]): Promise<void> {
  for (const thing of things) {
    if (thing === undefined) continue;
    await withTimeout(thing.close(), CLOSE_MS, "closing a console fixture").catch((error: Error) =>
      console.log(`teardown: ${error.message}`),
    );
  }
}

/**
 * Fails the fixture with the coordinator's own sentence when `/` is not the
 * console (say, "web console not built: run pnpm build"), instead of a test
 * timing out on a label. Under TLS (a private CA) the browser finds out.
 */
async function expectServesConsole(url: string): Promise<void> {
  if (url.startsWith("https:")) return;
  const answer = await fetch(`${url}/`, { signal: AbortSignal.timeout(10_000) });
  const text = await answer.text();
  if (!answer.ok || !text.includes("<html"))
    throw new Error(`${url}/ is not the web console: ${answer.status} ${text.slice(0, 200)}`);
}

/** The bootstrap admin's password, from the coordinator's first start log. */
export function bootstrapPassword(output: readonly string[]): string {
  for (const line of output) {
    const found = /created the platform admin "admin".* is (\S+)\s*$/.exec(line);
    if (found?.[1] !== undefined) return found[1];
  }
  throw new Error(`no bootstrap admin password in the start log:\n${output.join("\n")}`);
}

/** The operators every console fleet has, by role. */
export const OPERATORS = {
  viewer: "vera",
  operator: "otto",
  approver: "rita",
  approver2: "paul",
  admin: "ada",
  platformAdmin: "admin",
} as const;

export interface ConsoleServer {
  url: string;
  coordinator: CoordinatorProcess;
  password(name: string): string;
  /** `operator add NAME --role ROLE [MORE…]`; answers the password. */
  addOperator(name: string, role: string, ...more: string[]): Promise<string>;
  login(page: Page, name: string): Promise<void>;
  openConsole(): Promise<ConsoleSession>;
  close(): Promise<void>;
}

export interface ConsoleFleet extends ConsoleServer {
  release: ReleaseFleet;
  kit: CoordinatorKit;
  tills: readonly string[];
  operators: typeof OPERATORS;
}

/** A coordinator alone on `dataDir` (say, seeded with rows), serving the console. */
export async function startConsoleServer(
  name: string,
  options: { dataDir: string; coordinator?: CoordinatorProcessOptions },
): Promise<ConsoleServer> {
  const coordinator = await CoordinatorProcess.create(
    options.dataDir,
    undefined,
    options.coordinator,
  );
  await coordinator.start();
  try {
    await expectServesConsole(coordinator.url);
    const passwords = new Map([["admin", bootstrapPassword(coordinator.output)]]);
    const token = await coordinator.token();
    return serverOf(coordinator, passwords, {
      async addOperator(who, role, ...more) {
        const added = await runCli(coordinator.url, token, options.dataDir, [
          "operator",
          "add",
          who,
          "--role",
          role,
          ...more,
          "--json",
        ]);
        if (added.code !== 0) throw new Error(`${name}: operator add ${who}: ${added.stderr}`);
        return (JSON.parse(added.stdout) as { password: string }).password;
      },
      async close() {
        const stopped = await withTimeout(coordinator.stop(), 15_000, "coordinator stop").then(
          () => true,
          () => false,
        );
        if (!stopped) await coordinator.kill9();
        await coordinator.database?.drop();
      },
    });
  } catch (error) {
    await coordinator.kill9();
    throw error;
  }
}

function serverOf(
  coordinator: CoordinatorProcess,
  passwords: Map<string, string>,
  own: {
    addOperator(who: string, role: string, ...more: string[]): Promise<string>;
    close(): Promise<void>;
  },
): ConsoleServer {
  const password = (who: string) => {
    const known = passwords.get(who);
    if (known === undefined) throw new Error(`no password for operator ${who}`);
    return known;
  };
  return {
    url: coordinator.url,
    coordinator,
    password,
    async addOperator(who, role, ...more) {
      const added = await own.addOperator(who, role, ...more);
      passwords.set(who, added);
      return added;
    },
    login: (page, who) => login(page, who, password(who)),
    openConsole: () => openConsole(coordinator.url),
    close: own.close,
  };
}

/**
 * Real agents behind a real coordinator serving the console: `stores` ×
 * `tills`, pos-client 1.0.0 OK everywhere, the packs published, and an
 * operator of each role (OPERATORS) with a password.
 */
export async function startConsoleFleet(
  name: string,
  options: {
    stores?: readonly string[];
    tills?: readonly string[];
    packs?: PackSpec[];
    coordinator?: CoordinatorProcessOptions;
  } = {},
): Promise<ConsoleFleet> {
  const stores = options.stores ?? ["1001", "1002", "1003"];
  const tills = stores.flatMap((s) => (options.tills ?? ["01", "02"]).map((t) => `${s}/${t}`));
  const packs = options.packs ?? ["1.0.0", "1.1.0", "1.2.0"].map((v) => recordingPack(v));
  const release = await ReleaseFleet.create(name, packs, {
    tills,
    ...(options.coordinator === undefined ? {} : { coordinator: options.coordinator }),
  });
  const { coordinator } = release.kit;
  try {
    await expectServesConsole(coordinator.url);
    const passwords = new Map([
      ["admin", bootstrapPassword(coordinator.output)],
      // rita and paul: approvers ReleaseFleet.create adds.
      ["rita", release.password("rita")],
      ["paul", release.password("paul")],
    ]);
    const add = async (who: string, role: string, ...more: string[]) => {
      await release.addOperator(who, role, ...more);
      return release.password(who);
    };
    for (const [who, role] of [
      ["vera", "viewer"],
      ["otto", "operator"],
      ["ada", "admin"],
    ] as const)
      passwords.set(who, await add(who, role));
    const server = serverOf(coordinator, passwords, {
      addOperator: add,
      close: () => release.close(),
    });
    return { ...server, release, kit: release.kit, tills, operators: OPERATORS };
  } catch (error) {
    await release.close();
    throw error;
  }
}
