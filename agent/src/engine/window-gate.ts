import { installGate, type MaintenanceWindow, windowWaitReason } from "@tillroll/protocol";

/** The status reason of a service held by its maintenance window (PROTOCOL.md). */
export function windowReason(window: MaintenanceWindow, opensAt: number, now: number): string {
  return windowWaitReason(window, opensAt, now);
}

/**
 * Whether an install may start at coordinator time `now`: null when it may
 * (the window is open with at least `minMinutes` left), else when the next
 * usable opening is and the reason to show meanwhile. Pure.
 */
export function windowWait(
  window: MaintenanceWindow,
  now: number,
  minMinutes: number,
): { opensAt: number; reason: string } | null {
  const gate = installGate(window, now, minMinutes);
  if (gate.open) return null;
  return { opensAt: gate.opensAt, reason: windowReason(window, gate.opensAt, now) };
}
