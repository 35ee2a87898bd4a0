// The console API's HTTP handler (createApiHandler, the real routing, parsing,
// authentication and role table) with a given ReleaseConsole and real
// operators, on a loopback port: the release task routes against a console a
// test controls (an in-memory one, one that refuses with a given code). The
// other dependencies are unused by these routes.

import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openAccounts } from "../../src/accounts/open-accounts.js";
import { OperatorsFile } from "../../src/accounts/operators-file.js";
import type { Role } from "../../src/accounts/roles.js";
import { SessionStore } from "../../src/accounts/web-sessions.js";
import { type ApiServerDeps, createApiHandler } from "../../src/http/api-server.js";
import type { ReleaseConsole } from "../../src/releases/release-console.js";
import { FAST_SCRYPT } from "../accounts/helpers.js";
import type { Answer } from "./live-coordinator.js";

/** The operators every ReleaseApi has besides the platform admin `admin`. */
export const RELEASE_OPERATORS: readonly [name: string, role: Role][] = [
  ["vera", "viewer"],
  ["olga", "operator"],
  ["april", "approver"],
  ["abel", "approver"],
];

const unused = <T>(what: string): T =>
  new Proxy(
    {},
    {
      get: () => {
        throw new Error(`release-api: ${what} is not part of this harness`);
      },
    },
  ) as T;

export class ReleaseApi {
  private constructor(
    private readonly root: string,
    private readonly server: Server,
    readonly url: string,
    /** API token per operator name (`admin` too). */
    readonly tokens: ReadonlyMap<string, string>,
  ) {}

  static async start(releases: ReleaseConsole): Promise<ReleaseApi> {
    const root = mkdtempSync(join(tmpdir(), "tillroll-release-api-"));
    const adminToken = randomBytes(24).toString("hex");
    const accounts = await openAccounts({
      operators: new OperatorsFile(join(root, "operators.json")),
      sessions: new SessionStore({ now: Date.now }),
      operatorToken: adminToken,
      now: Date.now,
      log: () => {},
      passwordParams: FAST_SCRYPT,
    });
    const tokens = new Map([["admin", adminToken]]);
    for (const [name, role] of RELEASE_OPERATORS) {
      const added = await accounts.directory.add(name, role, null, null);
      if (!added.ok) throw new Error(added.error);
      tokens.set(name, added.value.token);
    }
    const deps: ApiServerDeps = {
      operations: unused("operations"),
      workstations: unused("workstations"),
      packAdmin: unused("packAdmin"),
      packs: unused("packs"),
      accounts: {
        ...accounts,
        audit: { append: async () => {} },
        now: Date.now,
        secureCookies: false,
      },
      uploadDir: join(root, "uploads"),
      maxUploadBytes: 1024,
      metrics: () => "",
      mosquittoAccounts: unused("mosquittoAccounts"),
      log: () => {},
      releases,
      schedules: unused("schedules"),
      notices: unused("notices"),
      live: unused("live"),
    };
    const server = createServer(createApiHandler(deps));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    return new ReleaseApi(root, server, `http://127.0.0.1:${port}`, tokens);
  }

  /** Calls the API as `who` (default the platform admin) with a JSON body. */
  async call(method: string, path: string, body?: unknown, who = "admin"): Promise<Answer> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.tokens.get(who) ?? "none"}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {}
    return { status: response.status, body: parsed, text };
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
    rmSync(this.root, { recursive: true, force: true });
  }
}
