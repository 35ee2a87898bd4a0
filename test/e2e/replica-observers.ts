import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import {
  DEFAULT_TOPIC_ROOT,
  decodeDesired,
  parsePublicKey,
  type StatusDocument,
  trustedKeys,
} from "@tillroll/protocol";
import mqtt from "mqtt";

/**
 * What the replica failover test (replica-failover.test.ts) judges by, apart
 * from the coordinators' own answers: a pack server both replicas send agents
 * to, a plain MQTT subscriber that sees every desired document and every
 * status on the broker, and a poller that times every API answer.
 */

/** A static server for `DATA/packs/<sha256>.tgz`, as `--pack-base-url` expects (any replica may die). */
export async function startPackServer(
  dataDir: string,
): Promise<{ url: string; requests: () => number; stop(): Promise<void> }> {
  let requests = 0;
  const server = createServer((req, res) => {
    requests += 1;
    const match = /^\/packs\/([0-9a-f]{64}\.tgz)$/.exec(req.url ?? "");
    if (match === null) {
      res.writeHead(404).end();
      return;
    }
    const file = join(dataDir, "packs", match[1] as string);
    stat(file).then(
      (info) => {
        res.writeHead(200, { "content-length": String(info.size) });
        createReadStream(file).pipe(res);
      },
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** One status of one service as a workstation published it. */
export interface SeenStatus {
  status: string;
  activeVersion: string | null;
  requestId: string | null;
}

/**
 * Every desired document and status of function `fn` on the broker, per
 * workstation ("store/workstation"), from a plain subscriber with wildcards.
 * Retained documents delivered at subscription are not counted (they were
 * published before the test looked).
 */
export class FleetObserver {
  /** Desired documents (verified), per workstation: the entry for `fn` of each. */
  readonly desired = new Map<
    string,
    { preferredVersion: string | null; requestId: string | null }[]
  >();
  /** Statuses, per workstation, in arrival order. */
  readonly statuses = new Map<string, SeenStatus[]>();
  /** Documents that did not verify or parse (always 0). */
  bad = 0;

  private constructor(private readonly client: mqtt.MqttClient) {}

  static async start(
    brokerUrl: string,
    coordinatorKey: string,
    fn: string,
  ): Promise<FleetObserver> {
    const key = parsePublicKey(coordinatorKey);
    if (!key.ok) throw new Error(`coordinator key: ${key.error}`);
    const keys = trustedKeys(key.value);
    const client = await mqtt.connectAsync(brokerUrl, {
      protocolVersion: 4,
      clean: true,
      clientId: `failover-observer-${process.pid}`,
      reconnectPeriod: 0,
    });
    const observer = new FleetObserver(client);
    client.on("message", (topic, payload, packet) => {
      if (packet.retain) return;
      const parts = topic.slice(DEFAULT_TOPIC_ROOT.length + 1).split("/"); // ws/STORE/WS/KIND
      const [, store, workstation, kind] = parts;
      const id = `${store}/${workstation}`;
      if (kind === "desired") {
        const decoded = decodeDesired(payload, keys);
        if (!decoded.ok) {
          observer.bad += 1;
          return;
        }
        const entry = decoded.value.services[fn];
        if (entry === undefined) return;
        const list = observer.desired.get(id) ?? [];
        list.push({ preferredVersion: entry.preferredVersion, requestId: entry.requestId });
        observer.desired.set(id, list);
      } else if (kind === "status") {
        let doc: StatusDocument;
        try {
          doc = JSON.parse(payload.toString("utf8")) as StatusDocument;
        } catch {
          observer.bad += 1;
          return;
        }
        const service = doc.services?.[fn];
        if (service === undefined) return;
        const list = observer.statuses.get(id) ?? [];
        list.push({
          status: service.status,
          activeVersion: service.activeVersion,
          requestId: service.requestId,
        });
        observer.statuses.set(id, list);
      }
    });
    await client.subscribeAsync(
      [`${DEFAULT_TOPIC_ROOT}/ws/+/+/desired`, `${DEFAULT_TOPIC_ROOT}/ws/+/+/status`],
      { qos: 1 },
    );
    return observer;
  }

  /** Desired documents that asked workstation `id` for `version`. */
  desiredFor(id: string, version: string): number {
    return (this.desired.get(id) ?? []).filter((d) => d.preferredVersion === version).length;
  }

  /** How many times `id` entered In Progress for a request that asked for `version`. */
  installsStarted(id: string, version: string): number {
    const asked = new Set(
      (this.desired.get(id) ?? [])
        .filter((d) => d.preferredVersion === version)
        .map((d) => d.requestId),
    );
    let starts = 0;
    let before: SeenStatus | undefined;
    for (const seen of this.statuses.get(id) ?? []) {
      const entered =
        seen.status === "In Progress" &&
        !(before?.status === "In Progress" && before.requestId === seen.requestId);
      if (entered && asked.has(seen.requestId)) starts += 1;
      before = seen;
    }
    return starts;
  }

  lastStatus(id: string): SeenStatus | undefined {
    return this.statuses.get(id)?.at(-1);
  }

  statusCount(): number {
    let count = 0;
    for (const list of this.statuses.values()) count += list.length;
    return count;
  }

  close(): Promise<void> {
    return this.client.endAsync();
  }
}

/** One timed API answer. */
export interface Answer {
  at: number;
  status: number;
  ms: number;
}

/**
 * Polls `GET url` every `everyMs` (a new request once the last answered or
 * failed, bounded by `timeoutMs`), recording each answer's code and time; a
 * request that got no answer is recorded with status 0.
 */
export class ApiPoller {
  readonly answers: Answer[] = [];
  last: unknown;
  private running = true;
  private readonly done: Promise<void>;

  constructor(url: string, token: string, everyMs = 100, timeoutMs = 5_000) {
    this.done = (async () => {
      while (this.running) {
        const at = Date.now();
        let status = 0;
        try {
          const response = await fetch(url, {
            headers: { authorization: `Bearer ${token}` },
            signal: AbortSignal.timeout(timeoutMs),
          });
          const text = await response.text();
          status = response.status;
          if (status === 200) this.last = JSON.parse(text);
        } catch {
          status = 0;
        }
        const ms = Date.now() - at;
        this.answers.push({ at, status, ms });
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, everyMs - ms)));
      }
    })();
  }

  async stop(): Promise<Answer[]> {
    this.running = false;
    await this.done;
    return this.answers;
  }
}
