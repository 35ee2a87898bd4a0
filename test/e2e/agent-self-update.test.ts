import { access, cp, mkdir, readFile, readlink, symlink } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { topicFor } from "@tillroll/protocol";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildPack, readMarker } from "../support/packs.js";
import { AGENT_CLI, AgentProcess } from "./agent-harness.js";
import { agentKit } from "./agent-kit.js";
import { CoordinatorKit, type JsonRow, row } from "./coordinator-kit.js";

const LAUNCHER = fileURLToPath(new URL("../../agent/bin/tillroll-agent-launcher", import.meta.url));
const BUNDLER = fileURLToPath(new URL("../../agent/scripts/bundle.mjs", import.meta.url));
const SELF = "tillroll-agent";
const ID = "1001/01";

/**
 * The single-file agent (agent/scripts/bundle.mjs, H-deb) when the bundler is
 * there; else a one-line stand-in that loads this checkout's build. Either
 * way the agent learns its version from the release folder it runs from.
 */
async function agentBundle(dir: string): Promise<string> {
  try {
    await access(BUNDLER);
    const { buildAgentBundle } = (await import(pathToFileURL(BUNDLER).href)) as {
      buildAgentBundle: (out: string) => Promise<{ outFile: string }>;
    };
    const { outFile } = await buildAgentBundle(join(dir, "tillroll-agent.mjs"));
    return readFile(outFile, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    return `import ${JSON.stringify(pathToFileURL(AGENT_CLI).href)};\n`;
  }
}

/** A pack of the agent itself: the bundle (or a broken one) and a descriptor. */
function selfPack(version: string, files: Record<string, string>) {
  return { name: SELF, version, health: "none" as const, extraFiles: files };
}

/** The agent's retained presence, read as the till's POS reads it. */
async function presence(
  kit: CoordinatorKit,
): Promise<{ state: string; agentVersion: string | null }> {
  const enrolled = kit.credentials.get(ID);
  if (enrolled === undefined) throw new Error("not enrolled");
  const client = await mqtt.connectAsync(enrolled.agentConfig.broker, {
    clientId: `probe-presence-${process.pid}`,
    username: enrolled.posUsername,
    password: enrolled.posPassword,
    reconnectPeriod: 0,
  });
  try {
    const got = new Promise<{ state: string; agentVersion: string | null }>((resolve, reject) => {
      client.on("message", (_topic, payload) => resolve(JSON.parse(payload.toString())));
      setTimeout(() => reject(new Error("no retained presence within 5 s")), 5000).unref();
    });
    await client.subscribeAsync(topicFor("presence", { store: "1001", workstation: "01" }), {
      qos: 1,
    });
    return await got;
  } finally {
    await client.endAsync();
  }
}

describe("agent self-update (real coordinator, agent run by tillroll-agent-launcher)", () => {
  let kit: CoordinatorKit;
  let agent: AgentProcess;
  const agentRoot = () => join(agent.root, SELF);

  beforeAll(async () => {
    kit = await CoordinatorKit.create("self-update");
    const bundle = await agentBundle(join(kit.dir.path, "bundle"));
    const crashing = [
      "// 0.3.0 passes its self-test, then dies at every real start",
      'if (process.argv.includes("self-test")) await import("./agent.mjs");',
      'else { console.error("0.3.0: cannot open the journal (simulated)"); process.exit(3); }',
    ].join("\n");
    // The till as installed: release 0.1.0 of the agent under <root>/tillroll-agent, current -> it.
    const enrolled = await kit.coordinator.consoleJson<{
      username: string;
      password: string;
      posUsername: string;
      posPassword: string;
      agentConfig: { broker: string; coordinatorKey: string };
    }>("workstation", "add", ID, "--group", "DE");
    kit.credentials.set(ID, enrolled);
    const dir = join(kit.dir.path, "ws-1001-01");
    agent = new AgentProcess({
      dir,
      brokerUrl: enrolled.agentConfig.broker,
      coordinatorKey: enrolled.agentConfig.coordinatorKey,
      recheckSeconds: 0.3,
      extraConfig: {
        username: enrolled.username,
        password: enrolled.password,
        group: "DE",
        reconnectMaxSeconds: 2,
      },
      program: ["/bin/sh", LAUNCHER, join(dir, "root", SELF)],
      env: {
        TILLROLL_SELF_CONFIRM_SECONDS: "1",
        TILLROLL_LAUNCHER_DELAY: "0.2",
        TILLROLL_LAUNCHER_MAX_FAILURES: "2",
        TILLROLL_NODE: process.execPath,
      },
    });
    const first = await buildPack(
      join(dir, "initial"),
      selfPack("0.1.0", { "tillroll-agent.mjs": bundle }),
    );
    await mkdir(join(agentRoot(), "releases"), { recursive: true });
    await cp(first.folder, join(agentRoot(), "releases", "0.1.0"), { recursive: true });
    await symlink("releases/0.1.0", join(agentRoot(), "current"));
    // The packs are published while the agent starts (both take a while on a busy machine).
    await Promise.all([
      agent.start(),
      kit.publish({ name: "pos-client", version: "1.0.0" }),
      kit.publish(selfPack("0.1.0", { "tillroll-agent.mjs": bundle })),
      kit.publish(selfPack("0.2.0", { "tillroll-agent.mjs": bundle })),
      kit.publish(selfPack("0.3.0", { "tillroll-agent.mjs": crashing, "agent.mjs": bundle })),
      kit.publish(
        selfPack("0.4.0", {
          "tillroll-agent.mjs":
            'console.error("config key selfUpdate unknown"); process.exit(1);\n',
        }),
      ),
    ]);
    kit.agents.set(ID, agent);
  }, 60_000);

  afterAll(async () => {
    if (process.env.DEBUG_SELF_UPDATE) console.log(agent?.log());
    await kit?.close();
  });

  const selfRow = (rows: JsonRow[]) => row(rows, ID, SELF);

  async function want(version: string): Promise<void> {
    await kit.coordinator.console(
      "set-preferred",
      "--function",
      SELF,
      "--version",
      version,
      "--store",
      "1001",
    );
  }

  /** The pid of the pos-client service the agent supervises: it must outlive every hand-over. */
  const servicePid = async () => (await readMarker(agent.markers, "pos-client"))?.pid;
  let posPid: number | undefined;

  it("reports the release it runs from: tillroll-agent 0.1.0, presence agentVersion 0.1.0", async () => {
    await kit.until("0.1.0 reported", (rs) => selfRow(rs)?.activeVersion === "0.1.0");
    expect(await presence(kit)).toMatchObject({ state: "online", agentVersion: "0.1.0" });
    await kit.requestInstall("1.0.0", "--store", "1001");
    await kit.until("pos-client OK", (rs) => row(rs, ID)?.status === "OK");
    posPid = await servicePid();
    expect(posPid).toBeGreaterThan(0);
  });

  it("updates itself to 0.2.0: probe, switch, restart, the new agent confirms", async () => {
    await want("0.2.0");
    await kit.until(
      "0.2.0 OK",
      (rs) => selfRow(rs)?.status === "OK" && selfRow(rs)?.activeVersion === "0.2.0",
    );
    expect(await readlink(join(agentRoot(), "current"))).toBe("releases/0.2.0");
    await expect
      .poll(() => presence(kit), { timeout: 10_000 })
      .toMatchObject({
        state: "online",
        agentVersion: "0.2.0",
      });
    expect(agent.log()).toContain("passed its self-test");
    expect(agent.log()).toContain("handed over (exit 75)");
    // The agent restarted; the service it supervises did not.
    expect(await servicePid()).toBe(posPid);
    expect(agent.log()).toContain(`pos-client: adopted service pid ${posPid}`);
  });

  it("and back to 0.1.0", async () => {
    await want("0.1.0");
    await kit.until(
      "0.1.0 OK",
      (rs) => selfRow(rs)?.status === "OK" && selfRow(rs)?.activeVersion === "0.1.0",
    );
    await expect
      .poll(() => presence(kit), { timeout: 10_000 })
      .toMatchObject({
        agentVersion: "0.1.0",
      });
  });

  it("a pack that fails its self-test is Rolled Back and never started", async () => {
    await want("0.4.0");
    const rows = await kit.until(
      "0.4.0 Rolled Back",
      (rs) => selfRow(rs)?.status === "Rolled Back",
    );
    expect(selfRow(rows)?.activeVersion).toBe("0.1.0");
    expect(selfRow(rows)?.reason).toContain("self-test of 0.4.0 exited with code 1");
    expect(selfRow(rows)?.reason).toContain("config key selfUpdate unknown");
    expect(await readlink(join(agentRoot(), "current"))).toBe("releases/0.1.0");
  });

  it("a pack that dies after its start is rolled back by the launcher; the old agent reports it", async () => {
    await want("0.3.0");
    const rows = await kit.until(
      "0.3.0 Rolled Back",
      (rs) => selfRow(rs)?.status === "Rolled Back" && selfRow(rs)?.preferredVersion === "0.3.0",
    );
    const self = selfRow(rows);
    expect(self?.activeVersion).toBe("0.1.0");
    expect(self?.reason).toContain("new agent 0.3.0 exited before confirming (code 3, 2 times)");
    expect(self?.online).toBe(true);
    expect(await readlink(join(agentRoot(), "current"))).toBe("releases/0.1.0");
    expect(await presence(kit)).toMatchObject({ state: "online", agentVersion: "0.1.0" });
    // The journal came through every switch intact: readable, with the whole story.
    const journal = JSON.parse(await readFile(join(agent.state, "agent.json"), "utf8"));
    const record = (journal.data ?? journal).services[SELF];
    expect(record).toMatchObject({ status: "Rolled Back", activeVersion: "0.1.0", job: null });
    expect(agent.log()).toContain("went back to agent 0.1.0");
    expect(await servicePid()).toBe(posPid);
    expect(row(rows, ID)).toMatchObject({ status: "OK", activeVersion: "1.0.0" });
  });
});

describe("agent self-update without the launcher", () => {
  it("an agent not run from <root>/tillroll-agent answers Rolled Back, naming the launcher", async () => {
    const k = await agentKit("self-update-no-launcher");
    try {
      await k.pack(selfPack("0.2.0", { "tillroll-agent.mjs": "process.exit(0);\n" }));
      await k.agent.start();
      await k.want("0.2.0", { fn: SELF });
      const status = await k.waitService(SELF, (s) => s.status === "Rolled Back");
      expect(status.services[SELF]?.reason).toContain(
        "self-update needs the agent started by tillroll-agent-launcher",
      );
      expect(status.services[SELF]?.activeVersion).toBeNull();
    } finally {
      await k.close();
    }
  });
});
