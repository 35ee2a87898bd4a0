import type { Operator } from "../accounts/identity.js";
import { roleAllows } from "../accounts/roles.js";
import { describeScope, isPlatformAdmin, scopeContains, scopeCovers } from "../accounts/scope.js";
import type { NoticePublisher } from "../notices/notice-model.js";
import { byStart } from "../schedules/blackout-cover.js";
import { blackoutProblem } from "../schedules/blackout-problem.js";
import type {
  BlackoutAdded,
  BlackoutInput,
  BlackoutView,
  PlatformNotice,
  ScheduleConsole,
  ScheduleResult,
  StoreSetInput,
  WindowList,
  WindowSetInput,
} from "../schedules/schedule-console.js";
import type { ScheduleMemory } from "../schedules/schedule-memory.js";
import type {
  Blackout,
  ScheduledTasks,
  StoreSetting,
  WindowSetting,
  WindowSubject,
} from "../schedules/schedule-model.js";
import { describeSubject, sortWindows } from "../schedules/schedule-state.js";
import type { ScheduleStore } from "../store/schedule-store.js";
import type { WorkstationStore } from "../store/workstation-store.js";
import { BlackoutNotices, blackoutNotice, blackoutNoticeKey } from "./blackout-notices.js";
import { done, type Refusal, refused } from "./console-result.js";
import { isoNow, type OperationsDeps, recordAction } from "./operations-deps.js";

/** What the console's schedule operations are built from. */
export interface ScheduleOperationsDeps extends Pick<OperationsDeps, "audit" | "now"> {
  readonly schedules: ScheduleStore;
  /** The facts releases read: replaced after every durable change. */
  readonly memory: ScheduleMemory;
  /** Which groups a store's workstations are in (scope checks for store settings). */
  readonly workstations: Pick<WorkstationStore, "list">;
  /** Cancels Scheduled release tasks a new blackout overlaps (the releases side). */
  readonly tasks: ScheduledTasks;
  /** blackout.announced and blackout.removed go out through it. */
  readonly notices: NoticePublisher;
  readonly log: (message: string) => void;
}

/**
 * The console's schedules (issue 11): windows, store settings, blackouts.
 * Changes need an admin; a partner admin (admin with a scope) only inside
 * its scope; platform maintenance (a blackout without a group) only the
 * platform admin. Each change is validated, stored durably, made visible
 * to releases (ScheduleMemory), then its effects run (cancel overlapping
 * tasks, notices) and it is audited and logged.
 */
export class ScheduleOperations implements ScheduleConsole {
  /** Blackout notices: stored with their change, then published (blackout-notices.ts). */
  private readonly blackoutNotices: BlackoutNotices;

  constructor(private readonly deps: ScheduleOperationsDeps) {
    this.blackoutNotices = new BlackoutNotices(deps);
  }

  /**
   * At coordinator start, before anything else is published: the blackout
   * notices a stop between a change and its publish left owed.
   */
  publishPendingNotices(): Promise<void> {
    return this.blackoutNotices.publishPending();
  }

  /**
   * At coordinator start, once release tasks run: a stop between a
   * blackout's write and its cancels (blackout add) left Scheduled tasks
   * inside it. Cancelling again is safe (only Scheduled tasks a blackout
   * covers are cancelled, and no new one can be created inside it), so every
   * current or upcoming blackout cancels what it overlaps, in its creator's
   * name, each owner notified as at the add.
   */
  async cancelLeftovers(): Promise<void> {
    for (const blackout of this.deps.memory.upcomingBlackouts(this.deps.now())) {
      const cancelled = await this.deps.tasks.cancelOverlapping(blackout, blackout.createdBy);
      for (const task of cancelled)
        this.deps.log(
          `blackout ${blackout.id}: cancelled task ${task.id} (${task.name}, at ${task.at}) a stop had left scheduled inside it`,
        );
    }
  }

  async setWindow(input: WindowSetInput, who: Operator): Promise<ScheduleResult<WindowSetting>> {
    const denied =
      (await this.adminRefusal(who, "window set")) ??
      (await this.subjectRefusal(input.subject, who));
    if (denied !== null) return denied;
    const setting: WindowSetting = {
      subject: input.subject,
      window: input.window,
      setBy: who.name,
      setAt: isoNow(this.deps),
    };
    this.deps.memory.replace(await this.deps.schedules.setWindow(setting));
    const { tz, days, start, durationMinutes } = input.window;
    await this.audit(who, "window set", {
      subject: describeSubject(input.subject),
      ...input.window,
    });
    this.deps.log(
      `window set for ${describeSubject(input.subject)} by ${who.name}: ${days.join(",")} ${start} for ${durationMinutes}m ${tz}`,
    );
    return done(setting);
  }

  async removeWindow(
    subject: WindowSubject,
    who: Operator,
  ): Promise<ScheduleResult<WindowSetting>> {
    const denied =
      (await this.adminRefusal(who, "window remove")) ?? (await this.subjectRefusal(subject, who));
    if (denied !== null) return denied;
    const { removed, state } = await this.deps.schedules.removeWindow(subject);
    if (removed === null)
      return refused(
        "not-found",
        `${describeSubject(subject)} has no window of its own (tillroll window list)`,
      );
    this.deps.memory.replace(state);
    await this.audit(who, "window remove", { subject: describeSubject(subject) });
    this.deps.log(`window removed from ${describeSubject(subject)} by ${who.name}`);
    return done(removed);
  }

  async listWindows(viewer: Operator): Promise<ScheduleResult<WindowList>> {
    const state = await this.deps.schedules.read();
    const groupsOf = await this.storeGroups();
    const storeVisible = (store: string) => storeInScope(viewer.scope, groupsOf.get(store) ?? []);
    return done({
      windows: sortWindows(state.windows).filter((w) =>
        w.subject.kind === "group"
          ? groupRelated(viewer.scope, w.subject.group)
          : storeVisible(w.subject.store),
      ),
      stores: [...state.stores]
        .sort((a, b) => (a.store < b.store ? -1 : a.store > b.store ? 1 : 0))
        .filter((s) => storeVisible(s.store)),
    });
  }

  async setStore(input: StoreSetInput, who: Operator): Promise<ScheduleResult<StoreSetting>> {
    const denied =
      (await this.adminRefusal(who, "store set")) ??
      (await this.subjectRefusal({ kind: "store", store: input.store }, who));
    if (denied !== null) return denied;
    if (input.tz === undefined && input.contact === undefined)
      return refused("invalid", 'store set: give --contact ADDR and/or --tz ZONE ("" unsets one)');
    const before = this.deps.memory.storeSetting(input.store);
    const setting: StoreSetting = {
      store: input.store,
      tz: input.tz === undefined ? (before?.tz ?? null) : input.tz,
      contact: input.contact === undefined ? (before?.contact ?? null) : input.contact,
      setBy: who.name,
      setAt: isoNow(this.deps),
    };
    this.deps.memory.replace(await this.deps.schedules.setStore(setting));
    const changed = {
      store: input.store,
      ...(input.tz === undefined ? {} : { tz: input.tz }),
      ...(input.contact === undefined ? {} : { contact: input.contact }),
    };
    await this.audit(who, "store set", changed);
    this.deps.log(`store ${input.store} set by ${who.name}: ${JSON.stringify(changed)}`);
    return done(setting);
  }

  async addBlackout(input: BlackoutInput, who: Operator): Promise<ScheduleResult<BlackoutAdded>> {
    const denied =
      (await this.adminRefusal(who, "blackout add")) ??
      this.blackoutRefusal(input.group, who, "add");
    if (denied !== null) return denied;
    const invalid = blackoutProblem(input, this.deps.now());
    if (invalid !== null) return refused("invalid", invalid);
    const { blackout, state } = await this.deps.schedules.addBlackout(
      (id) => ({
        id,
        from: input.from,
        to: input.to,
        reason: input.reason.trim(),
        group: input.group,
        createdBy: who.name,
        createdAt: isoNow(this.deps),
      }),
      // Owed in the same write: a stop before the publish below loses no notice.
      (made) => blackoutNotice(made, "blackout.announced", who.name),
    );
    // Durable and visible to releases first: no task starts inside it from here on.
    this.deps.memory.replace(state);
    this.deps.log(`blackout ${blackout.id} added by ${who.name}: ${describe(blackout)}`);
    const cancelled = await this.deps.tasks.cancelOverlapping(blackout, who.name);
    await this.blackoutNotices.publishOwed(blackoutNoticeKey(blackout.id, "blackout.announced"));
    await this.audit(who, "blackout add", {
      ...blackout,
      cancelled: cancelled.map((task) => task.id),
    });
    return done({ blackout: this.view(blackout), cancelled });
  }

  async removeBlackout(id: string, who: Operator): Promise<ScheduleResult<BlackoutView>> {
    const denied = await this.adminRefusal(who, "blackout remove");
    if (denied !== null) return denied;
    const existing = this.deps.memory.state.blackouts.find((b) => b.id === id);
    if (existing === undefined)
      return refused("not-found", `no blackout ${id} (tillroll blackout list --all)`);
    const outside = this.blackoutRefusal(existing.group, who, "remove");
    if (outside !== null) return outside;
    const { removed, state } = await this.deps.schedules.removeBlackout(id, (gone) =>
      blackoutNotice(gone, "blackout.removed", who.name),
    );
    if (removed === null)
      return refused("not-found", `no blackout ${id} (tillroll blackout list --all)`);
    this.deps.memory.replace(state);
    this.deps.log(`blackout ${id} removed by ${who.name}: ${describe(removed)}`);
    await this.blackoutNotices.publishOwed(blackoutNoticeKey(removed.id, "blackout.removed"));
    await this.audit(who, "blackout remove", { ...removed });
    return done(this.view(removed));
  }

  async listBlackouts(viewer: Operator, all: boolean): Promise<ScheduleResult<BlackoutView[]>> {
    const now = this.deps.now();
    const { blackouts } = await this.deps.schedules.read();
    return done(
      byStart(blackouts)
        .filter((b) => all || Date.parse(b.to) > now)
        .filter((b) => b.group === null || groupRelated(viewer.scope, b.group))
        .map((b) => this.view(b)),
    );
  }

  notices(): PlatformNotice[] {
    return this.deps.memory
      .upcomingBlackouts(this.deps.now())
      .filter((b) => b.group === null)
      .map((b) => ({
        kind: "platform-maintenance",
        id: b.id,
        from: b.from,
        to: b.to,
        reason: b.reason,
        active: this.view(b).active,
      }));
  }

  private view(blackout: Blackout): BlackoutView {
    const now = this.deps.now();
    const ended = Date.parse(blackout.to) <= now;
    return { ...blackout, active: Date.parse(blackout.from) <= now && !ended, ended };
  }

  private async audit(
    who: Operator,
    action: string,
    details: Record<string, unknown>,
  ): Promise<void> {
    await recordAction(this.deps, who, action, details, [], 0);
  }

  /** For in-process callers too: the HTTP layer's role table says the same. */
  private async adminRefusal(who: Operator, action: string): Promise<Refusal | null> {
    return roleAllows(who.role, "admin")
      ? null
      : refused("forbidden", `${action} needs the admin role; you are ${who.role}`);
  }

  /** A partner admin sets windows and store settings only inside its scope. */
  private async subjectRefusal(subject: WindowSubject, who: Operator): Promise<Refusal | null> {
    if (who.scope === null) return null;
    if (subject.kind === "group")
      return scopeContains(who.scope, subject.group)
        ? null
        : refused(
            "forbidden",
            `refused: group ${subject.group} lies outside your scope ${describeScope(who.scope)}`,
          );
    const groups = (await this.storeGroups()).get(subject.store) ?? [];
    if (groups.length === 0)
      return refused(
        "forbidden",
        `refused: store ${subject.store} has no enrolled workstation, so it is not known to lie inside your scope ${describeScope(who.scope)}`,
      );
    return storeInScope(who.scope, groups)
      ? null
      : refused(
          "forbidden",
          `refused: store ${subject.store} has workstations outside your scope ${describeScope(who.scope)} (groups ${[...new Set(groups.map((g) => g ?? "(no group)"))].sort().join(", ")})`,
        );
  }

  private blackoutRefusal(
    group: string | null,
    who: Operator,
    verb: "add" | "remove",
  ): Refusal | null {
    if (group === null)
      return isPlatformAdmin(who)
        ? null
        : refused(
            "forbidden",
            `refused: a blackout without a group is platform maintenance: only the platform admin (admin without a scope) may ${verb} it`,
          );
    return scopeContains(who.scope, group)
      ? null
      : refused(
          "forbidden",
          `refused: group ${group} lies outside your scope ${describeScope(who.scope)}`,
        );
  }

  /** Store id → the groups of its enrolled workstations. */
  private async storeGroups(): Promise<Map<string, (string | null)[]>> {
    const groups = new Map<string, (string | null)[]>();
    for (const ws of await this.deps.workstations.list())
      groups.set(ws.store, [...(groups.get(ws.store) ?? []), ws.group]);
    return groups;
  }
}

/** Whether a group's window or blackout concerns a caller of `scope`: inside it, or applying to it. */
function groupRelated(scope: string | null, group: string): boolean {
  return scopeContains(scope, group) || scopeContains(group, scope);
}

/** A store lies in a scope when it has workstations and every one is inside. */
function storeInScope(scope: string | null, groups: readonly (string | null)[]): boolean {
  if (scope === null) return true;
  return groups.length > 0 && groups.every((group) => scopeCovers(scope, group));
}

function describe(blackout: Blackout): string {
  const where = blackout.group === null ? "platform maintenance" : `group ${blackout.group}`;
  return `${where} ${blackout.from} to ${blackout.to} (${blackout.reason})`;
}
