import { installGate, type MaintenanceWindow, windowWaitReason } from "@tillroll/protocol";

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
  return { opensAt: gate.opensAt, reason: windowWaitReason(window, gate.opensAt, now) };
}
