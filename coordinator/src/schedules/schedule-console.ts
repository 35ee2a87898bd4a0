import type { MaintenanceWindow } from "@tillroll/protocol";
import type { Operator } from "../accounts/identity.js";
import type { ReleaseResult } from "../releases/release-console.js";
import type {
  Blackout,
  ScheduledTasks,
  StoreSetting,
  WindowSetting,
  WindowSubject,
} from "./schedule-model.js";

/**
 * What the console (HTTP API, CLI) can do with schedules (issue 11):
 * maintenance windows, store settings and blackouts. Refusals carry the
 * same codes as the release console (400 invalid, 403 forbidden, 404
 * not-found, 409 conflict). Every change is durable and audited before
 * the answer; a refusal changes nothing.
 */
export type ScheduleResult<T> = ReleaseResult<T>;

/** `window set`: one subject (group or store) and its window. */
export interface WindowSetInput {
  readonly subject: WindowSubject;
  readonly window: MaintenanceWindow;
}

/** `store set`: a field absent keeps its value, null unsets it. */
export interface StoreSetInput {
  readonly store: string;
  readonly tz?: string | null;
  readonly contact?: string | null;
}

/** `blackout add`: instants as ISO 8601 UTC (the API normalises offsets). */
export interface BlackoutInput {
  readonly from: string;
  readonly to: string;
  readonly reason: string;
  /** null: platform maintenance (every row). */
  readonly group: string | null;
}

/** A blackout as lists show it: whether it holds now, or is over (by the coordinator's clock). */
export type BlackoutView = Blackout & { readonly active: boolean; readonly ended: boolean };

export interface WindowList {
  readonly windows: readonly WindowSetting[];
  readonly stores: readonly StoreSetting[];
}

export type CancelledTask = Awaited<ReturnType<ScheduledTasks["cancelOverlapping"]>>[number];

export interface BlackoutAdded {
  readonly blackout: BlackoutView;
  /** The Scheduled release tasks the blackout cancelled. */
  readonly cancelled: readonly CancelledTask[];
}

/** What `GET /api/notices` answers (no sign-in: the web console's login page shows it). */
export interface PlatformNotice {
  readonly kind: "platform-maintenance";
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly reason: string;
  readonly active: boolean;
}

export interface ScheduleConsole {
  setWindow(input: WindowSetInput, who: Operator): Promise<ScheduleResult<WindowSetting>>;
  removeWindow(subject: WindowSubject, who: Operator): Promise<ScheduleResult<WindowSetting>>;
  /** Windows and store settings the viewer's scope reaches. */
  listWindows(viewer: Operator): Promise<ScheduleResult<WindowList>>;
  setStore(input: StoreSetInput, who: Operator): Promise<ScheduleResult<StoreSetting>>;
  addBlackout(input: BlackoutInput, who: Operator): Promise<ScheduleResult<BlackoutAdded>>;
  removeBlackout(id: string, who: Operator): Promise<ScheduleResult<BlackoutView>>;
  /** Current and upcoming blackouts the viewer's scope reaches (`all`: ended ones too), earliest first. */
  listBlackouts(viewer: Operator, all: boolean): Promise<ScheduleResult<BlackoutView[]>>;
  /** Platform maintenance whose end is in the future, earliest first: for everyone. */
  notices(): PlatformNotice[];
}

/** Until the releases side wires its own: a blackout cancels nothing. */
export const NO_SCHEDULED_TASKS: ScheduledTasks = Object.freeze({
  cancelOverlapping: async () => [],
});
