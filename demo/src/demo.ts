import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import {
  type ConsoleTarget,
  Coordinator,
  callApi,
  callRoute,
  type EnrolResult,
  formatStatusTable,
  type RequestBody,
  type ServiceRow,
} from "@tillroll/coordinator";
import { topicFor } from "@tillroll/protocol";
import mqtt from "mqtt";
import { buildDemoPack } from "./demo-packs.js";

const TILLS = ["01", "02", "03"];
const STEP_TIMEOUT_MS = 20_000;

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

/** The agent CLI of the installed @tillroll/agent package. */
function agentCli(): string {
  return join(dirname(createRequire(import.meta.url).resolve("@tillroll/agent")), "cli", "main.js");
}

async function until(
  target: ConsoleTarget,
  what: string,
  done: (rows: ServiceRow[]) => boolean,
): Promise<ServiceRow[]> {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    const rows = await callApi<ServiceRow[]>(target, "GET", "/api/status");
    if (done(rows)) return rows;
    if (Date.now() > deadline)
      throw new Error(`demo: timed out waiting until ${what}\n${formatStatusTable(rows)}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

const all = (status: string, version?: string) => (rows: ServiceRow[]) =>
  rows.length === TILLS.length &&
  rows.every(
    (row) => row.status === status && (version === undefined || row.activeVersion === version),
  );

/**
 * `pnpm demo`: a coordinator and three real agent processes in a
 * temporary folder on free ports, sample packs, and the story of seed 000
 * told with the status table after each step. Cleans up whatever happens.
 */
export async function runDemo(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "tillroll-demo-"));
  const agents: ChildProcess[] = [];
  let coordinator: Coordinator | null = null;
  let pos: mqtt.MqttClient | null = null;
  try {
    say(`tillroll demo in ${dir}\n`);
    coordinator = await Coordinator.start({
      dataDir: join(dir, "data"),
      mqttPort: 0,
      httpPort: 0,
      log: () => undefined,
    });
    const token = (await readFile(join(dir, "data", "operator-token"), "utf8")).trim();
    const target: ConsoleTarget = { url: coordinator.httpUrl, token };
    say(`1. Coordinator up: console ${coordinator.httpUrl}, broker ${coordinator.brokerUrl}`);

    const fixed = join(dir, "pos-client-1.2.0.fixed");
    for (const [version, flag] of [
      ["1.0.0", null],
      ["1.1.0", null],
      ["1.2.0", fixed],
    ] as const) {
      const archive = await buildDemoPack(join(dir, "packs"), version, flag);
      await callApi(target, "POST", "/api/packs", undefined, await readFile(archive));
    }
    say(
      "2. Published pos-client 1.0.0, 1.1.0 and 1.2.0 (1.2.0's health check fails until its config is fixed)",
    );

    const enrolled: EnrolResult[] = [];
    for (const ws of TILLS) {
      const result = await callApi<EnrolResult>(target, "POST", "/api/workstations", {
        store: "1001",
        workstation: ws,
        group: "DE/North",
      });
      enrolled.push(result);
      const config = {
        ...result.agentConfig,
        root: join(dir, `till-${ws}`, "root"),
        state: join(dir, `till-${ws}`, "state"),
        recheckSeconds: 0.5,
      };
      const configPath = join(dir, `till-${ws}.json`);
      await writeFile(configPath, JSON.stringify(config, null, 2));
      agents.push(
        spawn(process.execPath, [agentCli(), "--config", configPath], { stdio: "ignore" }),
      );
    }
    say("3. Enrolled tills 1001/01, 1001/02, 1001/03 and started an agent on each\n");

    await change(target, {
      function: "pos-client",
      version: "1.0.0",
      install: true,
      filters: { store: "1001" },
    });
    say("4. set-preferred pos-client 1.0.0 --install --store 1001");
    say(formatStatusTable(await until(target, "1.0.0 is OK everywhere", all("OK", "1.0.0"))));

    const first = enrolled[0] as EnrolResult;
    pos = await mqtt.connectAsync(coordinator.brokerUrl, {
      username: first.posUsername,
      password: first.posPassword,
      protocolVersion: 4,
      clientId: "pos.1001.01",
    });
    const session = (users: string[]) =>
      pos?.publishAsync(
        topicFor("session", first),
        JSON.stringify({
          schema: 1,
          seq: Date.now(),
          ts: new Date().toISOString(),
          users,
          transactionInProgress: false,
        }),
        { qos: 1, retain: true },
      );
    await session(["alice"]);
    say("\n5. Cashier alice logs in on till 01; set-preferred pos-client 1.1.0 for the store");
    await change(target, { function: "pos-client", version: "1.1.0", filters: { store: "1001" } });
    say(
      formatStatusTable(
        await until(
          target,
          "till 01 is Not Ready",
          (rows) =>
            rows.some((r) => r.status === "Not Ready") &&
            rows.filter((r) => r.status === "OK" && r.activeVersion === "1.1.0").length === 2,
        ),
      ),
    );
    await session([]);
    say("\n6. alice logs out: till 01 updates by itself");
    say(formatStatusTable(await until(target, "1.1.0 is OK everywhere", all("OK", "1.1.0"))));

    say(
      "\n7. set-preferred pos-client 1.2.0: its health check fails, every till rolls back to 1.1.0",
    );
    await change(target, { function: "pos-client", version: "1.2.0", filters: { store: "1001" } });
    say(
      formatStatusTable(
        await until(target, "1.2.0 is Rolled Back everywhere", all("Rolled Back", "1.1.0")),
      ),
    );

    await writeFile(fixed, "fixed\n");
    say("\n8. The configuration 1.2.0 needs is fixed; retry --status rolled-back");
    const retried = await callRoute(target, "retry", {
      body: { filters: { status: "rolled-back" } },
    });
    say(`   retry: ${retried.changed.length} changed to Prepared`);
    say(formatStatusTable(await until(target, "1.2.0 is OK everywhere", all("OK", "1.2.0"))));
    say("\nDemo finished: stopping the agents and the coordinator.");
  } finally {
    await pos?.endAsync().catch(() => undefined);
    await Promise.all(agents.map((agent) => stopChild(agent)));
    await coordinator?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function change(target: ConsoleTarget, body: RequestBody<"setPreferred">): Promise<void> {
  const report = await callRoute(target, "setPreferred", { body });
  for (const skip of report.skipped)
    if (skip.kind === "skip") say(`   skipped ${skip.store}/${skip.workstation}: ${skip.reason}`);
}

/** SIGTERM (the agent stops its services and says offline), SIGKILL if it hangs. */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
