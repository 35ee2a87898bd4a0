import { readdir, readlink } from "node:fs/promises";
import { join } from "node:path";
import type { Artifact, MaintenanceWindow, StatusDocument } from "@tillroll/protocol";
import { startBroker, type TestBroker } from "../support/broker.js";
import { createDesiredPublisher, type DesiredPublisher } from "../support/coordinator-double.js";
import { type FileServer, startFileServer } from "../support/file-server.js";
import { type BuiltPack, buildPack, type PackSpec } from "../support/packs.js";
import { type StatusWatcher, watchStatus } from "../support/status-watcher.js";
import { type TempDir, tempDir } from "../support/temp.js";
import { type AgentHarnessOptions, AgentProcess } from "./agent-harness.js";

/**
 * One workstation's world for an end-to-end test: a real broker, a file
 * server for packs, a signing stand-in for the coordinator, a status watcher
 * and a real agent process.
 */
export interface AgentKit {
  dir: TempDir;
  broker: TestBroker;
  files: FileServer;
  coordinator: DesiredPublisher;
  watcher: StatusWatcher;
  agent: AgentProcess;
  pack(spec: PackSpec): Promise<BuiltPack & { artifact: Artifact }>;
  /** Publishes a desired state for pos-client (or `fn`), returning the request id. */
  want(
    version: string | null,
    opts?: {
      fn?: string;
      pack?: { artifact: Artifact };
      validFrom?: string;
      requestId?: string;
      window?: MaintenanceWindow | null;
      redeploy?: boolean;
    },
  ): Promise<string>;
  /** Waits until `fn`'s status matches. */
  waitService(
    fn: string,
    match: (s: StatusDocument["services"][string]) => boolean,
    timeoutMs?: number,
  ): Promise<StatusDocument>;
  close(): Promise<void>;
}

export async function agentKit(
  name: string,
  options: Partial<AgentHarnessOptions> = {},
): Promise<AgentKit> {
  const dir = await tempDir(name);
  const broker = await startBroker();
  const files = await startFileServer();
  const coordinator = await createDesiredPublisher({ brokerUrl: broker.url });
  const agent = new AgentProcess({
    dir: dir.path,
    brokerUrl: broker.url,
    coordinatorKey: coordinator.publicKey,
    ...options,
  });
  const watcher = await watchStatus({
    brokerUrl: broker.url,
    store: agent.store,
    workstation: agent.workstation,
  });
  const packs = new Map<string, { artifact: Artifact }>();
  let requests = 0;
  const kit: AgentKit = {
    dir,
    broker,
    files,
    coordinator,
    watcher,
    agent,
    async pack(spec) {
      const built = await buildPack(
        join(dir.path, "packs", `${spec.name}-${spec.version}-${packs.size}`),
        spec,
      );
      const url = files.serve(`${spec.name}-${spec.version}-${packs.size}.tgz`, built.path);
      const result = { ...built, artifact: { url, sha256: built.sha256, size: built.size } };
      packs.set(`${spec.name}@${spec.version}`, result);
      return result;
    },
    async want(version, opts = {}) {
      const fn = opts.fn ?? "pos-client";
      requests += 1;
      const requestId = opts.requestId ?? `r${requests}`;
      const pack = version === null ? null : (opts.pack ?? packs.get(`${fn}@${version}`));
      if (version !== null && pack == null) throw new Error(`no pack built for ${fn}@${version}`);
      await coordinator.publishDesired(
        { store: agent.store, workstation: agent.workstation },
        {
          [fn]:
            version === null
              ? { preferredVersion: null }
              : {
                  preferredVersion: version,
                  requestId,
                  validFrom: opts.validFrom ?? null,
                  artifact: pack?.artifact ?? null,
                  ...(opts.window === undefined ? {} : { window: opts.window }),
                  ...(opts.redeploy === undefined ? {} : { redeploy: opts.redeploy }),
                },
        },
      );
      return requestId;
    },
    waitService(fn, match, timeoutMs = 30_000) {
      return watcher
        .waitFor((doc) => {
          const service = doc.services[fn];
          return service !== undefined && match(service);
        }, timeoutMs)
        .catch((error: Error) => {
          throw new Error(`${error.message}\n--- agent log ---\n${agent.log()}`);
        });
    },
    async close() {
      // The agent's services outlive it: end them (pid files), and anything
      // else a failed test left running under the folder.
      await agent.close();
      await killProcessesUnder(dir.path);
      await watcher.close();
      await coordinator.close();
      await files.stop();
      await broker.stop();
      await dir.cleanup();
      agent.assertLegalTransitions();
    },
  };
  return kit;
}

/** SIGKILLs every process whose working directory is inside `dir`. */
export async function killProcessesUnder(dir: string): Promise<void> {
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cwd = await readlink(`/proc/${entry}/cwd`);
      if (cwd.startsWith(`${dir}/`)) process.kill(Number(entry), "SIGKILL");
    } catch {
      // gone already, or not ours to see
    }
  }
}
