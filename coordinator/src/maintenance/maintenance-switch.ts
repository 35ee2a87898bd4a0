import { err, type OperatorMaintenance, ok, type Result } from "@tillroll/protocol";

/** `tillroll maintenance on|off STORE/WS [--function F] [--reason TEXT]`, as the operation gets it. */
export interface MaintenanceRequest {
  store: string;
  workstation: string;
  active: boolean;
  /** null: the whole workstation. */
  function: string | null;
  reason: string | null;
}

/**
 * The operator's maintenance switch of one workstation (issue 13), decided
 * from what is stored now. Pure. `on` without a function covers the whole
 * workstation; `on --function F` adds F (a whole workstation stays whole);
 * `off` ends it; `off --function F` takes F out (the last one out ends it).
 * The answer is the new switch, or null for off; switching off what is off,
 * or taking out a function that is not in it, is refused with the reason.
 */
export function planMaintenanceSwitch(
  current: OperatorMaintenance | null,
  request: MaintenanceRequest,
  by: string,
): Result<OperatorMaintenance | null> {
  const id = `${request.store}/${request.workstation}`;
  const on = current?.active === true ? current : null;
  const fn = request.function;
  if (request.active) {
    const functions =
      fn === null || (on !== null && on.functions.length === 0)
        ? []
        : [...new Set([...(on?.functions ?? []), fn])].sort();
    return ok({ active: true, functions, reason: request.reason ?? on?.reason ?? null, by });
  }
  if (on === null) return err(`maintenance mode is not on for ${id}: nothing to switch off`);
  if (fn === null) return ok(null);
  if (on.functions.length === 0)
    return err(
      `maintenance mode is on for the whole of ${id}: switch it off without --function, then on again for the functions that stay`,
    );
  if (!on.functions.includes(fn))
    return err(
      `maintenance mode for ${id} covers ${on.functions.join(", ")}, not ${fn}: nothing to switch off`,
    );
  const functions = on.functions.filter((name) => name !== fn);
  return ok(functions.length === 0 ? null : { ...on, functions, by });
}
