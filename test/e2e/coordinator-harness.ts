import { type ChildProcess, execFile, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { TestDatabase } from "../support/postgres.js";
import { freePort } from "../support/temp.js";
import { storeDatabase, testStore } from "./test-store.js";

export { jsonOnly } from "./test-store.js";

/** Which store the coordinators of this run keep their state in (test-store.ts). */
export const TEST_STORE = testStore();

export const TILLROLL_CLI = fileURLToPath(
  new URL("../../coordinator/dist/cli/main.js", import.meta.url),
);
const run = promisify(execFile);

export interface CoordinatorProcessOptions {
  /** `--tls`: MQTT and HTTP over TLS with the CA generated under DATA/tls (the console is given it). */
  tls?: boolean;
  /** More flags for `tillroll coordinator` (e.g. --allow-plaintext). */
  extraArgs?: string[];
  /**
   * Under TILLROLL_TEST_STORE=postgres: an earlier coordinator's database,
   * for one that takes over its data folder (default: a fresh database).
   */
  database?: TestDatabase;
}

/** A real `tillroll coordinator` process on fixed loopback ports, so it can be killed and restarted in place. */
export class CoordinatorProcess {
  readonly output: string[] = [];
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();

  private constructor(
    readonly dataDir: string,
    readonly mqttPort: number,
    readonly httpPort: number,
    private readonly brokerUrl: string | undefined,
    readonly options: CoordinatorProcessOptions,
    /** Under TILLROLL_TEST_STORE=postgres: this coordinator's own fresh database (`--database`). */
    readonly database: TestDatabase | undefined,
  ) {}

  /**
   * Ports are fixed here so `start()` after `stop()` or `kill9()` is the same
   * coordinator; so is the database under TILLROLL_TEST_STORE=postgres.
   */
  static async create(
    dataDir: string,
    brokerUrl?: string,
    options: CoordinatorProcessOptions = {},
  ): Promise<CoordinatorProcess> {
    return new CoordinatorProcess(
      dataDir,
      await freePort(),
      await freePort(),
      brokerUrl,
      options,
      options.database ?? (await storeDatabase()),
    );
  }

  get url(): string {
    return `${this.options.tls === true ? "https" : "http"}://127.0.0.1:${this.httpPort}`;
  }

  /** The CA `--tls` generated (DATA/tls/ca.pem). */
  get caPath(): string {
    return join(this.dataDir, "tls", "ca.pem");
  }

  /** The flags every console call gets: where the coordinator is, its token, and its CA under TLS. */
  private async consoleFlags(): Promise<string[]> {
    return [
      `--url=${this.url}`,
      `--token=${await this.token()}`,
      ...(this.options.tls === true ? [`--ca=${this.caPath}`] : []),
    ];
  }

  /** Its `--database` on a PostgreSQL run (kept across restarts); undefined: JSON files. */
  get databaseUrl(): string | undefined {
    return this.database?.url;
  }

  /** Process id of the running coordinator (to read its memory from /proc). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    const args = [
      TILLROLL_CLI,
      "coordinator",
      "--data",
      this.dataDir,
      "--mqtt-port",
      String(this.mqttPort),
      "--http-port",
      String(this.httpPort),
    ];
    if (this.brokerUrl !== undefined) args.push("--broker", this.brokerUrl);
    if (this.database !== undefined) args.push("--database", this.database.url);
    if (this.options.tls === true) args.push("--tls");
    args.push(...(this.options.extraArgs ?? []));
    this.output.length = 0; // this run's output only
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    const collect = (chunk: Buffer) =>
      this.output.push(
        ...chunk
          .toString()
          .split("\n")
          .filter((l) => l.trim() !== ""),
      );
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    // Key and certificate generation, then the broker's worker thread (which loads
    // aedes afresh): 10 s and more on a loaded two-core machine.
    const deadline = Date.now() + 30_000;
    while (!this.output.some((line) => line.includes("coordinator: http"))) {
      if (child.exitCode !== null) throw new Error(`coordinator exited: ${this.output.join("\n")}`);
      if (Date.now() > deadline)
        throw new Error(`coordinator did not start: ${this.output.join("\n")}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async kill9(): Promise<void> {
    this.child?.kill("SIGKILL");
    await this.exited;
    this.child = null;
  }

  async stop(): Promise<void> {
    this.child?.kill("SIGTERM");
    await this.exited;
    this.child = null;
  }

  /** Stops the coordinator for good: SIGTERM, then its database (if any) is dropped. */
  async close(): Promise<void> {
    await this.stop();
    await this.database?.drop();
  }

  async token(): Promise<string> {
    return (await readFile(join(this.dataDir, "operator-token"), "utf8")).trim();
  }

  /** Runs a console command against this coordinator; resolves stdout, rejects with stderr. */
  async console(...args: string[]): Promise<string> {
    const { stdout } = await run(process.execPath, [
      TILLROLL_CLI,
      ...args,
      ...(await this.consoleFlags()),
    ]);
    return stdout;
  }

  /** Runs a console command and answers its exit code and output, whatever the code. */
  async consoleResult(
    ...args: string[]
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run(process.execPath, [
        TILLROLL_CLI,
        ...args,
        ...(await this.consoleFlags()),
      ]);
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code?: unknown; stdout?: string; stderr?: string };
      if (typeof failed.code !== "number") throw error;
      return { code: failed.code, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
    }
  }

  async consoleJson<T>(...args: string[]): Promise<T> {
    return JSON.parse(await this.console(...args, "--json")) as T;
  }

  /**
   * `GET PATH` on this coordinator's HTTP API as the bootstrap admin, from
   * this process: what a poll loop or a test's set-up uses instead of
   * spawning the CLI (a `tillroll` process costs ~0.8 s of CPU; this ~1 ms).
   * Throws unless 200.
   */
  apiGet<T>(path: string): Promise<T> {
    return this.api<T>("GET", path, undefined, 200);
  }

  /** `POST PATH` with a JSON body (or raw bytes, e.g. a pack), as `apiGet`; throws unless `status`. */
  apiPost<T>(path: string, body: unknown, status = 200): Promise<T> {
    return this.api<T>("POST", path, body, status);
  }

  private async api<T>(
    method: "GET" | "POST",
    path: string,
    body: unknown,
    status: number,
  ): Promise<T> {
    const token = await this.token();
    const ca = this.options.tls === true ? await readFile(this.caPath) : undefined;
    const url = new URL(path, this.url);
    const raw = Buffer.isBuffer(body);
    const payload =
      body === undefined ? undefined : raw ? (body as Buffer) : Buffer.from(JSON.stringify(body));
    const request = url.protocol === "https:" ? httpsRequest : httpRequest;
    const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        url,
        {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            ...(payload === undefined
              ? {}
              : {
                  "content-type": raw ? "application/octet-stream" : "application/json",
                  "content-length": String(payload.length),
                }),
          },
          ca,
          timeout: 30_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
          );
          res.on("error", reject);
        },
      );
      req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer within 30 s`)));
      req.on("error", reject);
      req.end(payload);
    });
    if (answer.status !== status)
      throw new Error(`${method} ${path}: ${answer.status} ${answer.text}`);
    return JSON.parse(answer.text) as T;
  }
}
