import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { encodePayload, topicFor } from "@tillroll/protocol";
import type { MqttClient } from "mqtt";
import { closeClient, connectClient, publishQos1 } from "../support/mqtt-client.js";
import type { PackSpec } from "../support/packs.js";
import type { AgentProcess } from "./agent-harness.js";
import type { CoordinatorKit, JsonRow } from "./coordinator-kit.js";

/**
 * What the release tests look at besides the console: the fleet's names, the
 * release answers' shapes, each agent's own record of its installs, rows and
 * stages by name, and a POS on a till (a cashier logging in and out).
 */

export const STORES = ["1001", "1002", "1003"] as const;
export const TILLS = ["01", "02"] as const;
export const FLEET: readonly string[] = STORES.flatMap((s) => TILLS.map((t) => `${s}/${t}`));

/** The JSON answers of `release show --json` / the API, as far as the tests read them. */
export type Counts = Record<string, number>;
export interface StageView {
  name: string;
  state: string;
  checkpoint?: string;
  startedAt?: string | null;
  endedAt?: string | null;
  reason: string | null;
  counts: Counts;
  members: string[];
  notReady: { key: string; reason: string }[];
  timedOut: string[];
  failed: { key: string; status: string; reason: string }[];
  skipped: { key: string; reason: string }[];
}
export interface ReleaseView {
  id: string;
  state: string;
  createdBy?: string;
  stages: StageView[];
  history?: {
    at: string;
    who: string;
    subject: string;
    from: string;
    to: string;
    reason: string;
  }[];
  decisions?: { who: string; verdict: string; comment: string | null }[];
}

/**
 * A pack whose beforeInstall hook appends "VERSION REQUEST_ID" to the
 * agent's marker folder: the agent's own record of every install attempt
 * (the hook runs once per attempt, before anything is stopped). `sleep`
 * seconds in the hook keep a till In Progress long enough to be seen.
 */
export function recordingPack(version: string, more: Partial<PackSpec> = {}, sleep = 0): PackSpec {
  const record = `echo "$TILLROLL_TO_VERSION $TILLROLL_REQUEST_ID" >> "$TILLROLL_MARKER_DIR/installs"`;
  return {
    name: "pos-client",
    version,
    beforeInstall: sleep > 0 ? `${record}\nsleep ${sleep}` : record,
    ...more,
  };
}

/** Install attempts the agent recorded (recordingPack), oldest first. */
export async function installsOf(
  agent: AgentProcess,
): Promise<{ version: string; requestId: string }[]> {
  let text = "";
  try {
    text = await readFile(join(agent.markers, "installs"), "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => {
      const [version = "", requestId = ""] = l.trim().split(" ");
      return { version, requestId };
    });
}

export function describeRow(r: JsonRow): string {
  return `${r.store}/${r.workstation} ${r.status} active ${r.activeVersion ?? "-"} preferred ${
    r.preferredVersion ?? "-"
  }${r.online ? "" : " offline"}${r.reason === null ? "" : ` (${r.reason})`}`;
}

/** Stage starts in the history (moves to Running): each stage must start once, whatever the restarts. */
export function startsPerStage(release: ReleaseView): Record<string, number> {
  const starts: Record<string, number> = {};
  for (const entry of release.history ?? [])
    if (entry.subject !== "release" && entry.to === "Running")
      starts[entry.subject] = (starts[entry.subject] ?? 0) + 1;
  return starts;
}

export function stage(release: ReleaseView, name: string): StageView {
  const found = release.stages.find((s) => s.name === name);
  if (found === undefined)
    throw new Error(`no stage ${name} in ${release.stages.map((s) => s.name).join(", ")}`);
  return found;
}

/** The fleet row of till `id`, or a failure naming it. */
export function rowOf(rows: JsonRow[], id: string): JsonRow {
  const found = rows.find(
    (r) => `${r.store}/${r.workstation}` === id && r.function === "pos-client",
  );
  if (found === undefined) throw new Error(`no row ${id}`);
  return found;
}

export interface Pos {
  /** Publishes the session (retained, QoS 1): these users logged in, no transaction open. */
  setSession(users: string[]): Promise<void>;
  close(): Promise<void>;
}

/** A POS on till `id` of `kit`, logged in to the broker with the till's POS account. */
export async function connectPos(kit: CoordinatorKit, id: string): Promise<Pos> {
  const enrolled = kit.credentials.get(id);
  if (enrolled === undefined) throw new Error(`no credentials for ${id}`);
  const [store = "", workstation = ""] = id.split("/");
  const client: MqttClient = await connectClient(enrolled.agentConfig.broker, "pos", {
    username: enrolled.posUsername,
    password: enrolled.posPassword,
    clientId: enrolled.posUsername,
  });
  let seq = 0;
  return {
    async setSession(users) {
      // Clock-derived, so a later POS for the same till still publishes above this one's seqs.
      seq = Math.max(seq + 1, Date.now());
      const encoded = encodePayload("session", {
        schema: 1,
        seq,
        ts: new Date().toISOString(),
        users,
        transactionInProgress: false,
      });
      if (!encoded.ok) throw new Error(`session document: ${encoded.error}`);
      await publishQos1(client, topicFor("session", { store, workstation }), encoded.value, true);
    },
    close: () => closeClient(client),
  };
}
