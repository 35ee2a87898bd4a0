import { type ChildProcess, execFile, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { testDatabase } from "../support/postgres.js";
import { freePort } from "../support/temp.js";

export const TILLROLL_CLI = fileURLToPath(
  new URL("../../coordinator/dist/cli/main.js", import.meta.url),
);
const run = promisify(execFile);

/**
 * Which store the coordinators of this run keep their state in: `TILLROLL_TEST_STORE=postgres`
 * gives each CoordinatorProcess a fresh PostgreSQL database (`--database`, on the test
 * server of test/support/postgres.ts); anything else, the JSON files in its data folder.
 */
export const TEST_STORE: "json" | "postgres" =
  process.env.TILLROLL_TEST_STORE === "postgres" ? "postgres" : "json";

/**
 * For `it.skipIf(jsonOnly("why"))`: true when this run is on PostgreSQL, for a test that
 * reads or damages the JSON files themselves (the reason says which).
 */
export function jsonOnly(_reason: string): boolean {
  return TEST_STORE !== "json";
}

export interface CoordinatorProcessOptions {
  /** `--tls`: MQTT and HTTP over TLS with the CA generated under DATA/tls (the console is given it). */
  tls?: boolean;
  /** More flags for `tillroll coordinator` (e.g. --allow-plaintext). */
  extraArgs?: string[];
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
    readonly options: CoordinatorProcessOptions = {},
    /** Its `--database` on a PostgreSQL run (kept across restarts); undefined: JSON files. */
    readonly databaseUrl: string | undefined = undefined,
  ) {}

  static async create(
    dataDir: string,
    brokerUrl?: string,
    options: CoordinatorProcessOptions = {},
  ): Promise<CoordinatorProcess> {
    // The database outlives the process object: the test server is thrown away at the
    // end of the run (CI's, or this test process's own cluster).
    const databaseUrl = TEST_STORE === "postgres" ? (await testDatabase()).url : undefined;
    return new CoordinatorProcess(
      dataDir,
      await freePort(),
      await freePort(),
      brokerUrl,
      options,
      databaseUrl,
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
    if (this.databaseUrl !== undefined) args.push("--database", this.databaseUrl);
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
}
