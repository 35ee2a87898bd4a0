import type { AgentConfigInput } from "@tillroll/protocol";
import { auditWho } from "../accounts/audit-identity.js";
import type { Operator } from "../accounts/identity.js";
import type { DesiredPublisher } from "../desired/desired-publisher.js";
import type { ServiceRow } from "../fleet/service-row.js";
import type { ScheduledMark } from "../fleet/status-table.js";
import type { RecipeSource } from "../recipes/recipe-source.js";
import type { ScheduleFacts } from "../schedules/schedule-model.js";
import type { AuditStore } from "../store/audit-store.js";
import type { DesiredStore } from "../store/desired-store.js";
import type { FleetRows } from "../store/fleet-rows.js";
import type { PackRecords } from "../store/pack-records.js";
import type { WorkstationStore } from "../store/workstation-store.js";
import type { RowChange } from "./plan-changes.js";

/** What the console's operations are built from: the stores, the publisher, the coordinator's facts. */
export interface OperationsDeps {
  workstations: WorkstationStore;
  /** The desired state as stored; `desired` publishes it. */
  desiredState: DesiredStore;
  fleet: FleetRows;
  packs: PackRecords;
  audit: AuditStore;
  desired: DesiredPublisher;
  publicKey: string;
  /** During a key rotation, the next signing key: agent configs then pin both. */
  nextPublicKey?: string | null;
  /** Broker URL as agents reach it, for generated agent configs. */
  agentBrokerUrl: string;
  /** Base URL agents download packs from. */
  packBaseUrl: string;
  /** With TLS: the CA (PEM) agents pin, handed out at enrolment; null: none to pin. */
  caPem?: string | null;
  now: () => number;
  /** Whether a workstation's agent is connected; rows show it when read. */
  isOnline: (key: string) => boolean;
  /** When a workstation's last status report was applied (ISO 8601), or null; rows show it when read. */
  lastReport: (key: string) => string | null;
  /**
   * The active release task holding a row (`store/ws/function`), if any:
   * set-preferred and retry skip such rows (issue 10). Absent: none.
   */
  releaseHolding?: (key: string) => { id: string; name: string } | undefined;
  /** Issue 11: a marker of rows' scheduled release tasks, made once per status answer. */
  scheduledMarks?: () => (row: ServiceRow) => ScheduledMark | null;
  /** Issue 12: windows and store settings, for the status page's store zones. Absent: none. */
  schedules?: Pick<ScheduleFacts, "windowFor" | "storeSetting">;
  /**
   * Issue 13: the effective recipe a new request carries (agents with
   * capability "recipe" only). Absent: requests carry no recipe.
   */
  recipes?: RecipeSource;
}

export interface EnrolInput {
  store?: unknown;
  workstation?: unknown;
  group?: unknown;
}

export interface EnrolResult {
  store: string;
  workstation: string;
  username: string;
  password: string;
  posUsername: string;
  posPassword: string;
  /** `coordinatorKeys` (current and next key) only while a rotation is under way. */
  agentConfig: AgentConfigInput & { coordinatorKeys?: string[] };
  /**
   * With TLS: the CA (PEM) to save beside agent.json as `ca.pem` (the
   * config's `"ca": "ca.pem"` names it); absent without TLS.
   */
  caPem?: string;
}

/**
 * What a change did, row by row: the rows changed and the rows skipped with
 * their reasons. With `dryRun` the same plan, nothing written: the rows that
 * would change and would be skipped. Nothing matched: both lists empty.
 */
export interface ChangeReport {
  changed: RowChange[];
  skipped: RowChange[];
  dryRun: boolean;
}

export interface VersionsReport {
  function: string;
  rows: number;
  /** "-" (no update) first, then newest first in semver order. */
  versions: { version: string; rows: number }[];
}

/** Now, as ISO 8601 UTC, by the operations' clock. */
export function isoNow(deps: Pick<OperationsDeps, "now">): string {
  return new Date(deps.now()).toISOString();
}

/** Appends one console action to the audit, naming the operator and its role. */
export async function recordAction(
  deps: Pick<OperationsDeps, "audit" | "now">,
  who: Operator,
  action: string,
  details: Record<string, unknown>,
  touched: string[],
  skipped: number,
): Promise<void> {
  await deps.audit.append({
    at: isoNow(deps),
    who: auditWho(who),
    action,
    details,
    touched,
    skipped,
  });
}

/** The versions of `fn` that may be offered or planned: a withdrawn one never is (rows running it keep it). */
export async function offeredPacks(
  deps: Pick<OperationsDeps, "packs">,
  fn: string,
): Promise<{ version: string; updatableFrom?: string }[]> {
  return (await deps.packs.list(fn))
    .filter((pack) => pack.withdrawnAt === undefined)
    .map((pack) => ({
      version: pack.version,
      ...(pack.updatableFrom === null ? {} : { updatableFrom: pack.updatableFrom }),
    }));
}
