import { createReadStream } from "node:fs";
import { writeFile } from "node:fs/promises";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import type { AddressInfo, Server, Socket } from "node:net";
import { createServer as createNetServer } from "node:net";
import { join } from "node:path";
import { Aedes } from "aedes";
import { afterEach, describe, expect, it } from "vitest";
import { loadOrCreateTls, type TlsMaterial } from "../../coordinator/src/tls/certificates.js";
import { createTlsListener, tlsServerOptions } from "../../coordinator/src/tls/tls-listener.js";
import { createDesiredPublisher, type DesiredPublisher } from "../support/coordinator-double.js";
import { buildPack } from "../support/packs.js";
import { type StatusWatcher, watchStatus } from "../support/status-watcher.js";
import { type TempDir, tempDir } from "../support/temp.js";
import { AgentProcess } from "./agent-harness.js";
import { killProcessesUnder } from "./agent-kit.js";

/**
 * The agent's half of TLS (issue 9): a real agent process whose config pins
 * the coordinator's generated CA (`ca`) talks to the broker over mqtts:// and
 * downloads packs over https://. The broker is aedes behind the coordinator's
 * createTlsListener; the test's own stand-ins (desired publisher, status
 * watcher) use a second, plain listener of the same aedes on loopback.
 */

interface World {
  dir: TempDir;
  tls: TlsMaterial;
  aedes: Aedes;
  plainUrl: string;
  tlsPort: number;
  packs: HttpsServer;
  packBase: string;
  /** URL path → file the https pack server sends. */
  files: Map<string, string>;
  coordinator: DesiredPublisher;
  watcher: StatusWatcher | null;
  agent: AgentProcess | null;
  close(): Promise<void>;
}

let world: World | null = null;
afterEach(async () => {
  await world?.close();
  world = null;
});

async function listen(server: Server | HttpsServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

async function startWorld(name: string): Promise<World> {
  const dir = await tempDir(name);
  const made = await loadOrCreateTls({
    dir: join(dir.path, "coordinator-tls"),
    publicHost: "localhost",
    now: Date.now,
  });
  if (!made.ok) throw new Error(made.error);
  const tls = made.value;
  const aedes = await Aedes.createBroker();
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    aedes.handle(socket);
  };
  const plain = createNetServer(track);
  const secure = createTlsListener({ tls: tlsServerOptions(tls) }, track);
  const plainPort = await listen(plain);
  const tlsPort = await listen(secure);
  const files = new Map<string, string>();
  const packs = createHttpsServer(tlsServerOptions(tls), (req, res) => {
    const file = files.get(req.url ?? "");
    if (file === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": "application/octet-stream" });
    createReadStream(file).pipe(res);
  });
  const packPort = await listen(packs);
  const plainUrl = `mqtt://127.0.0.1:${plainPort}`;
  const coordinator = await createDesiredPublisher({ brokerUrl: plainUrl });
  const created: World = {
    dir,
    tls,
    aedes,
    plainUrl,
    tlsPort,
    packs,
    packBase: `https://localhost:${packPort}`,
    files,
    coordinator,
    watcher: null,
    agent: null,
    async close() {
      // close(): the agent's services outlive it; its pid files say what to end.
      await created.agent?.close();
      await killProcessesUnder(dir.path);
      await created.watcher?.close();
      await coordinator.close();
      packs.closeAllConnections();
      for (const socket of sockets) socket.destroy();
      await Promise.all([
        new Promise((resolve) => packs.close(resolve)),
        new Promise((resolve) => plain.close(resolve)),
        new Promise((resolve) => secure.close(resolve)),
      ]);
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await dir.cleanup();
    },
  };
  return created;
}

async function startAgent(w: World, caPem: string): Promise<AgentProcess> {
  await writeFile(join(w.dir.path, "ca.pem"), caPem);
  const agent = new AgentProcess({
    dir: w.dir.path,
    brokerUrl: `mqtts://localhost:${w.tlsPort}`,
    coordinatorKey: w.coordinator.publicKey,
    // Relative to the config file, as `workstation add` would hand it out beside it.
    extraConfig: { ca: "ca.pem" },
  });
  w.agent = agent;
  w.watcher = await watchStatus({
    brokerUrl: w.plainUrl,
    store: agent.store,
    workstation: agent.workstation,
  });
  await agent.start();
  return agent;
}

describe("agent over TLS with the coordinator's generated CA", () => {
  it("connects over mqtts:// pinning ca.pem and reports its status", async () => {
    world = await startWorld("agent-tls-mqtts");
    const w = world;
    const tlsClients: string[] = [];
    w.aedes.on("client", (client) => {
      const socket = (client as unknown as { conn: { encrypted?: boolean } }).conn;
      if (socket.encrypted === true) tlsClients.push(client.id);
    });
    const agent = await startAgent(w, w.tls.caPem ?? "");
    await w.watcher?.waitFor(() => true, 30_000);
    expect(tlsClients).toContain(`agent.${agent.store}.${agent.workstation}`);
  });

  // The agent's `ca` also verifies https:// pack downloads (not only the broker link).
  it("installs a pack downloaded over https:// from a server with the generated certificate", {
    retry: 0,
    timeout: 40_000,
  }, async () => {
    world = await startWorld("agent-tls-https");
    const w = world;
    const built = await buildPack(join(w.dir.path, "packs", "pos-client-1.0.0"), {
      name: "pos-client",
      version: "1.0.0",
    });
    w.files.set("/pos-client-1.0.0.tgz", built.path);
    const agent = await startAgent(w, w.tls.caPem ?? "");
    await w.coordinator.publishDesired(
      { store: agent.store, workstation: agent.workstation },
      {
        "pos-client": {
          preferredVersion: "1.0.0",
          requestId: "r1",
          artifact: {
            url: `${w.packBase}/pos-client-1.0.0.tgz`,
            sha256: built.sha256,
            size: built.size,
          },
        },
      },
    );
    const done = await w.watcher?.waitFor((doc) => {
      const service = doc.services["pos-client"];
      return (
        service !== undefined &&
        service.status !== "In Progress" &&
        service.preferredVersion === "1.0.0"
      );
    }, 20_000);
    expect(done?.services["pos-client"], agent.log()).toMatchObject({
      status: "OK",
      activeVersion: "1.0.0",
    });
  });

  it("refuses a broker whose certificate another CA signed, and says so in its log", async () => {
    world = await startWorld("agent-tls-wrong-ca");
    const w = world;
    const other = await loadOrCreateTls({
      dir: join(w.dir.path, "other-tls"),
      publicHost: "localhost",
      now: Date.now,
    });
    if (!other.ok) throw new Error(other.error);
    const connected: string[] = [];
    w.aedes.on("client", (client) => connected.push(client.id));
    const agent = await startAgent(w, other.value.caPem ?? "");
    await expect
      .poll(() => agent.log(), { timeout: 20_000 })
      .toMatch(/mqtt: .*(unable to verify the first certificate|self[- ]signed)/i);
    expect(connected).not.toContain(`agent.${agent.store}.${agent.workstation}`);
  });
});
