import type { DrainPolicy, FunctionPackDescriptor } from "@tillroll/protocol";
import { jobToRelease } from "../../state/agent-state.js";
import { type DrainAction, planDrain } from "../drain-plan.js";
import type { StepExecutor, StepInput, StepResult } from "../engine-context.js";
import { releaseDescriptor } from "./step-helpers.js";

/** How often the handshake looks for the POS's acknowledgement. */
const ACK_POLL_MS = 50;

/** "10:42" in the till's own time zone: what the people at the till read. */
export function localTimeOf(ms: number): string {
  return new Date(ms).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
}

/** The drain policy of the request this job carries out (desired entry; null: none). */
function policyOf(input: StepInput): DrainPolicy | null {
  const want = input.ctx.store.state.desired?.services[input.fn];
  if (want?.requestId !== input.job.requestId) return null;
  return want.drain ?? null;
}

/** The maintenance reason and scope of this update (a store server's: the whole store). */
function maintenanceOf(input: StepInput, descriptor: FunctionPackDescriptor) {
  const { fn, job } = input;
  const scope =
    descriptor.maintenance === "clients" ? ("store" as const) : ("workstation" as const);
  const what = `updating ${fn} ${job.fromVersion ?? "(none)"} -> ${job.toVersion}`;
  return { scope, reason: scope === "store" ? `store server ${what}` : what };
}

/**
 * Maintenance on, the POS's acknowledgement, notices and the countdown (see
 * drain-plan.ts for the rules). The plan's state is persisted before its
 * actions are taken; the handshake waits here (In Progress, draining), a busy
 * till waits as Not Ready and this step runs again on every session change
 * and re-check.
 */
export const drainStep: StepExecutor = async (input): Promise<StepResult> => {
  const { ctx, job, fn, signal } = input;
  const descriptor = await releaseDescriptor(input, jobToRelease(job));
  if (typeof descriptor === "string") return { kind: "abort", reason: descriptor };
  const { scope, reason } = maintenanceOf(input, descriptor);
  // Maintenance went off at start-up: a restarted drain switches it on again.
  if (job.drain != null && !ctx.reporter.updateMaintenanceOn)
    job.drain = { ...job.drain, maintenanceSeq: null, maintenanceAt: null };
  for (;;) {
    const readiness = await ctx.checkReadiness(fn);
    const now = ctx.clock.now();
    const decision = planDrain({
      fn,
      now,
      policy: policyOf(input),
      state: job.drain ?? null,
      readiness,
      session: ctx.store.state.session,
      graceMs: ctx.config.posAckGraceSeconds * 1000,
      timeOf: localTimeOf,
    });
    job.drain = decision.state;
    await ctx.reporter.reportStatus(); // the plan's state is durable before it is acted on
    for (const action of decision.actions) await act(input, action, { scope, reason });
    const { verdict } = decision;
    switch (verdict.kind) {
      case "proceed":
        return { kind: "next", step: "pre-hook" };
      case "back":
        job.drain = null;
        await ctx.reporter.setMaintenance(false, [], null);
        return { kind: "defer", reason: verdict.reason, step: "await-ready" };
      case "busy": {
        // The deadline's notice should not wait for a re-check that comes later.
        const recheckAt = now + ctx.config.recheckSeconds * 1000;
        if (verdict.wakeAt !== null && verdict.wakeAt <= recheckAt) {
          await ctx.clock.sleep(Math.max(0, verdict.wakeAt - now), signal);
          if (signal.aborted) return { kind: "cancelled" };
          continue;
        }
        return { kind: "defer", reason: verdict.reason };
      }
      case "handshake":
        await waitForAck(input, verdict.until);
        if (signal.aborted) return { kind: "cancelled" };
    }
  }
};

async function act(
  input: StepInput,
  action: DrainAction,
  maintenance: { scope: "workstation" | "store"; reason: string },
): Promise<void> {
  const { ctx, fn, job } = input;
  const base = { function: fn, version: job.toVersion, requestId: job.requestId };
  switch (action.kind) {
    case "maintenance-on": {
      const seq = await ctx.reporter.setMaintenance(
        true,
        [fn],
        maintenance.reason,
        maintenance.scope,
      );
      job.drain = {
        ...(job.drain ?? { deadline: null, noticesSent: [], endRequested: false }),
        maintenanceSeq: seq,
        maintenanceAt: new Date(ctx.clock.now()).toISOString(),
      };
      await ctx.reporter.reportStatus();
      // Notices must not overtake it on the wire: maintenance first.
      await ctx.reporter.settle();
      await ctx.reporter.installLog({
        ...base,
        level: "info",
        source: "agent",
        stream: null,
        line: `maintenance mode on (${maintenance.scope === "store" ? "the whole store" : "this till"}), seq ${seq}`,
      });
      return;
    }
    case "notice":
      ctx.reporter.notice(action.text, fn, action.at);
      break;
    case "end-session":
      ctx.reporter.notice(action.text, fn, null, "end-session");
      break;
  }
  await ctx.reporter.installLog({
    ...base,
    level: "info",
    source: "agent",
    stream: null,
    line:
      action.kind === "end-session"
        ? `asked the POS to end its sessions: ${action.text}`
        : `notice (${action.which}): ${action.text}`,
  });
}

/** Waits until the POS's session acknowledges our maintenance seq, or `until` (local time). */
async function waitForAck(input: StepInput, until: number): Promise<void> {
  const { ctx, job, signal } = input;
  const seq = job.drain?.maintenanceSeq ?? null;
  while (!signal.aborted && ctx.clock.now() < until) {
    const acked = ctx.store.state.session?.maintenanceSeq;
    if (seq !== null && acked != null && acked >= seq) return;
    await ctx.clock.sleep(Math.min(ACK_POLL_MS, until - ctx.clock.now()), signal);
  }
}
