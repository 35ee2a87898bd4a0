// The answer schemas and the types the operations return are one shape, checked when the
// tests are type-checked (`pnpm typecheck`): a field added to, removed from or retyped in
// either side without the other fails to compile here. The server's handler table checks
// the first half too (an operation must return its route's `Answer`).

import { describe, expect, it } from "vitest";
import type { z } from "zod";
import type { IssuedOperator, OperatorSummary } from "../../src/accounts/operators.js";
import type { SessionAnswer } from "../../src/api/answers.js";
import type { Answer, RouteName, Routes } from "../../src/api/routes.js";
import type { AuditEntry } from "../../src/audit/audit-log.js";
import type { FleetFacets, StatusPage } from "../../src/fleet/fleet-page.js";
import type { StatusRow } from "../../src/fleet/status-table.js";
import type { InstallLogAnswer } from "../../src/http/live-handlers.js";
import type { PageRow } from "../../src/live/page-row.js";
import type { StatusCounts } from "../../src/live/status-counts.js";
import type { WebhookSummary } from "../../src/notices/webhook-registry.js";
import type { MosquittoAccountsAnswer } from "../../src/operations/broker-accounts.js";
import type {
  ChangeReport,
  EnrolResult,
  VersionsReport,
} from "../../src/operations/console-operations.js";
import type { WithdrawResult } from "../../src/operations/pack-admin.js";
import type { PosSessionReleaseResult } from "../../src/operations/pos-session-release.js";
import type {
  MaintenanceResult,
  RekeyResult,
  RemoveResult,
  WorkstationInfo,
} from "../../src/operations/workstation-admin.js";
import type { PackRecord } from "../../src/packs/pack-record.js";
import type {
  RecipeHistoryAnswer,
  RecipeSetAnswer,
  RecipeShowAnswer,
  RecipeUnsetAnswer,
  UpdateRow,
} from "../../src/recipes/recipe-console.js";
import type { ReleaseSummary, ReleaseView } from "../../src/releases/release-model.js";
import type {
  BlackoutAdded,
  BlackoutView,
  PlatformNotice,
  WindowList,
} from "../../src/schedules/schedule-console.js";
import type { StoreSetting, WindowSetting } from "../../src/schedules/schedule-model.js";

/** What each route's operation returns (its `Result`'s value). */
interface OperationResults {
  enrol: EnrolResult | EnrolResult[];
  publishPack: PackRecord;
  listPacks: PackRecord[];
  withdrawPack: WithdrawResult;
  listWorkstations: WorkstationInfo[];
  removeWorkstation: RemoveResult;
  rekeyWorkstation: RekeyResult;
  status: StatusRow[];
  // The web console (issue 12): fleet/fleet-page.ts.
  statusPage: StatusPage;
  statusFacets: FleetFacets;
  versions: VersionsReport;
  setPreferred: ChangeReport;
  retry: ChangeReport;
  audit: AuditEntry[];
  mosquittoAccounts: MosquittoAccountsAnswer;
  listOperators: OperatorSummary[];
  addOperator: IssuedOperator;
  removeOperator: OperatorSummary;
  resetOperator: IssuedOperator;
  // login and logout answer a Reply (body plus headers); its body is checked with `satisfies`.
  login: SessionAnswer;
  whoami: SessionAnswer;
  logout: { ok: true; ended: boolean };
  // Release tasks (issue 10): the types of releases/release-model.ts.
  createRelease: ReleaseView;
  listReleases: ReleaseSummary[];
  showRelease: ReleaseView;
  startRelease: ReleaseView;
  approveRelease: ReleaseView;
  rejectRelease: ReleaseView;
  triggerRelease: ReleaseView;
  pauseRelease: ReleaseView;
  resumeRelease: ReleaseView;
  retryRelease: ReleaseView;
  rollbackRelease: ReleaseView;
  cancelRelease: ReleaseView;
  // Schedules (issue 11): the types of schedules/schedule-model.ts and schedule-console.ts.
  listWindows: WindowList;
  setWindow: WindowSetting;
  removeWindow: WindowSetting;
  setStore: StoreSetting;
  listBlackouts: BlackoutView[];
  addBlackout: BlackoutAdded;
  removeBlackout: BlackoutView;
  notices: { notices: PlatformNotice[] };
  // Webhooks (issue 11): notices/webhook-registry.ts.
  addWebhook: WebhookSummary;
  listWebhooks: WebhookSummary[];
  removeWebhook: WebhookSummary;
  // The web console (issue 12): one event of the stream, and a row's kept install log.
  events: LiveEvent;
  installLog: InstallLogAnswer;
  // Recipes (issue 13): recipes/recipe-console.ts.
  setRecipe: RecipeSetAnswer;
  showRecipe: RecipeShowAnswer;
  recipeHistory: RecipeHistoryAnswer;
  unsetRecipe: RecipeUnsetAnswer;
  updates: UpdateRow[];
  rebuild: ChangeReport;
  // Issue 13: operations/pos-session-release.ts.
  posSessionRelease: PosSessionReleaseResult;
  maintenance: MaintenanceResult;
}

/** What the hub writes (live/live-hub.ts), one event as {event, data}. */
type LiveEvent =
  | { event: "hello"; data: Record<string, never> }
  | { event: "rows"; data: { rows: PageRow[] } }
  | { event: "gone"; data: { keys: string[] } }
  | { event: "counts"; data: StatusCounts }
  | { event: "resync"; data: Record<string, never> }
  | { event: "ended"; data: { reason: string } };

/**
 * `true` when T lies between the schema's parsed form and its wire form: what the server
 * sends (T) is a valid answer (`z.input`), and an answer once parsed (`z.output`, defaults
 * filled in) is a T. Without defaults in the schema the two bounds are the same type.
 */
type Between<N extends RouteName, T> = [T] extends [Answer<N>]
  ? [z.output<Routes[N]["answer"]>] extends [T]
    ? true
    : "the answer schema, parsed, is not the operation's type"
  : "the operation's type is not a valid answer";

type Checks = { [N in RouteName]: Between<N, OperationResults[N]> };
/** Every route is listed (a missing key fails the `Checks` mapping) and every check is true. */
const checks: Checks = {
  enrol: true,
  publishPack: true,
  listPacks: true,
  withdrawPack: true,
  listWorkstations: true,
  removeWorkstation: true,
  rekeyWorkstation: true,
  mosquittoAccounts: true,
  statusPage: true,
  statusFacets: true,
  listOperators: true,
  addOperator: true,
  removeOperator: true,
  resetOperator: true,
  login: true,
  whoami: true,
  logout: true,
  status: true,
  versions: true,
  setPreferred: true,
  retry: true,
  audit: true,
  createRelease: true,
  listReleases: true,
  showRelease: true,
  startRelease: true,
  approveRelease: true,
  rejectRelease: true,
  triggerRelease: true,
  pauseRelease: true,
  resumeRelease: true,
  retryRelease: true,
  rollbackRelease: true,
  cancelRelease: true,
  listWindows: true,
  setWindow: true,
  removeWindow: true,
  setStore: true,
  listBlackouts: true,
  addBlackout: true,
  removeBlackout: true,
  notices: true,
  events: true,
  installLog: true,
  addWebhook: true,
  listWebhooks: true,
  removeWebhook: true,
  setRecipe: true,
  showRecipe: true,
  recipeHistory: true,
  unsetRecipe: true,
  updates: true,
  rebuild: true,
  posSessionRelease: true,
  maintenance: true,
};

describe("answer schemas and operation types", () => {
  it("are checked for every route when the tests are type-checked", () => {
    expect(Object.values(checks).every((check) => check === true)).toBe(true);
  });
});
