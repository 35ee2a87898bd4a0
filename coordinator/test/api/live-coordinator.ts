// A real coordinator in this process (embedded broker, HTTP API, a temp data
// folder) with a small fleet that reported over MQTT, for tests of the API
// and the console against the real thing.

import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type ServiceStatus, type StatusDocument, topicFor } from "@tillroll/protocol";
import mqtt from "mqtt";
import { Coordinator, type CoordinatorOptions } from "../../src/coordinator.js";
import type { EnrolResult } from "../../src/operations/console-operations.js";
import { buildPack, descriptorFor, type Workspace } from "../packs/pack-fixtures.js";

const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));
const run = promisify(execFile);

export interface Answer {
  status: number;
  body: unknown;
  text: string;
}

/** The fleet every live coordinator starts with: one pos-client row per workstation. */
export const FLEET: { id: string; group: string; service: Partial<ServiceStatus> }[] = [
  { id: "1001/01", group: "DE/North", service: { status: "OK", activeVersion: "1.0.0" } },
  { id: "1001/02", group: "DE/North", service: { status: "OK", activeVersion: "1.1.0" } },
  {
    id: "2002/01",
    group: "DE/South",
    service: {
      status: "In Progress",
      activeVersion: "1.0.0",
      preferredVersion: "1.1.0",
      requestId: "r-2002",
      validFrom: "2026-11-01T06:00:00.000Z",
      phase: "downloading",
      progress: 40,
    },
  },
  {
    id: "3003/01",
    group: "AT",
    service: {
      status: "Failed",
      activeVersion: "1.2.0",
      preferredVersion: "1.3.0",
      requestId: "r-3003",
      validFrom: "2026-11-02T06:00:00.000Z",
      reason: "rollback failed",
    },
  },
];

/**
 * Packs published, in this order (not version order): 1.0.0 from anything,
 * 1.3.0 from >=1.0.0, 1.2.0 from >=1.1.0, 1.1.0 from 1.0.x.
 */
const PACKS: [version: string, updatableFrom: string | undefined][] = [
  ["1.0.0", undefined],
  ["1.3.0", ">=1.0.0"],
  ["1.2.0", ">=1.1.0"],
  ["1.1.0", ">=1.0.0 <1.1.0"],
];

export class LiveCoordinator {
  private constructor(
    readonly root: string,
    readonly coordinator: Coordinator,
    readonly token: string,
    readonly logs: string[],
  ) {}

  get url(): string {
    return this.coordinator.httpUrl;
  }

  get dataDir(): string {
    return this.coordinator.dataDir;
  }

  /** `options`: more coordinator options (e.g. `mail` for the notices tests). */
  static async start(
    name: string,
    options: Partial<CoordinatorOptions> = {},
  ): Promise<LiveCoordinator> {
    const root = mkdtempSync(join(tmpdir(), `tillroll-${name}-`));
    const logs: string[] = [];
    const coordinator = await Coordinator.start({
      dataDir: join(root, "data"),
      mqttPort: 0,
      httpPort: 0,
      log: (line) => logs.push(line),
      ...options,
    });
    const token = readFileSync(join(coordinator.dataDir, "operator-token"), "utf8").trim();
    const live = new LiveCoordinator(root, coordinator, token, logs);
    try {
      await live.seed();
    } catch (error) {
      await live.close();
      throw error;
    }
    return live;
  }

  /** Calls the API with a JSON body (or raw text), answering status and parsed body. */
  async call(method: string, path: string, body?: unknown, raw?: string | Buffer): Promise<Answer> {
    return this.callAs(this.token, method, path, body, raw);
  }

  /** As `call`, with another operator's token (roles and scopes). */
  async callAs(
    token: string,
    method: string,
    path: string,
    body?: unknown,
    raw?: string | Buffer,
  ): Promise<Answer> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(raw === undefined && body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(raw !== undefined
        ? { body: raw }
        : body !== undefined
          ? { body: JSON.stringify(body) }
          : {}),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {}
    return { status: response.status, body: parsed, text };
  }

  /** Runs the built `tillroll` against this coordinator as its admin: exit code and output. */
  async tillroll(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run(process.execPath, [
        CLI,
        ...args,
        `--url=${this.url}`,
        `--token=${this.token}`,
      ]);
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  }

  private async seed(): Promise<void> {
    const workstations = FLEET.map(({ id, group }) => {
      const [store = "", workstation = ""] = id.split("/");
      return { store, workstation, group };
    });
    const enrolled = await this.call("POST", "/api/workstations", { workstations });
    if (enrolled.status !== 201) throw new Error(`enrol: ${enrolled.text}`);
    const build = join(this.root, "build");
    mkdirSync(build);
    const ws = { root: this.root, data: "", staging: "", build, logs: [] } satisfies Workspace;
    for (const [version, updatableFrom] of PACKS) {
      const descriptor = { ...descriptorFor("pos-client", version), updatableFrom };
      const file = await buildPack(ws, { descriptor });
      const published = await this.call("POST", "/api/packs", undefined, readFileSync(file));
      if (published.status !== 201) throw new Error(`publish ${version}: ${published.text}`);
    }
    for (const [index, result] of (enrolled.body as EnrolResult[]).entries()) {
      const spec = FLEET[index];
      if (spec === undefined) continue;
      const client = await mqtt.connectAsync(this.coordinator.brokerUrl, {
        username: result.username,
        password: result.password,
        clientId: `live-${result.store}-${result.workstation}`,
        protocolVersion: 4,
        clean: true,
      });
      const service: ServiceStatus = {
        status: "OK",
        activeVersion: null,
        preferredVersion: null,
        requestId: null,
        validFrom: null,
        phase: null,
        progress: null,
        reason: null,
        updatedAt: "2026-11-21T09:00:00.000Z",
        ...spec.service,
      };
      const doc: StatusDocument = {
        schema: 1,
        seq: 1,
        ts: new Date().toISOString(),
        store: result.store,
        workstation: result.workstation,
        desiredSeq: null,
        services: { "pos-client": service },
      };
      await client.publishAsync(topicFor("status", result), JSON.stringify(doc), {
        qos: 1,
        retain: true,
      });
      await client.endAsync();
    }
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const rows = await this.call("GET", "/api/status");
      if (Array.isArray(rows.body) && rows.body.length === FLEET.length) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await this.settled();
  }

  /** Every file in the data folder (path → sha256), to prove a refusal wrote nothing. */
  files(): Record<string, string> {
    const out: Record<string, string> = {};
    const dir = this.dataDir;
    for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
      const path = join(entry.parentPath, entry.name);
      const name = path.slice(dir.length + 1);
      out[name] = entry.isFile()
        ? createHash("sha256").update(readFileSync(path)).digest("hex")
        : "dir";
    }
    return out;
  }

  /** Waits until the coalesced fleet writes are on disk: the files stop changing. */
  async settled(): Promise<Record<string, string>> {
    let last = JSON.stringify(this.files());
    for (let i = 0; i < 50; i++) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const now = JSON.stringify(this.files());
      if (now === last) return JSON.parse(now) as Record<string, string>;
      last = now;
    }
    throw new Error("the data folder kept changing");
  }

  async close(): Promise<void> {
    await this.coordinator.stop();
    rmSync(this.root, { recursive: true, force: true });
  }
}
