import type { OperatorMaintenance } from "@tillroll/protocol";

/** The update's part of maintenance mode: the functions being updated and for whom it holds. */
export interface UpdateMaintenance {
  functions: string[];
  reason: string | null;
  /** store: a store server's update (descriptor `maintenance: "clients"`): every POS of the store. */
  scope: "workstation" | "store";
}

/** What the maintenance document says, before its header. */
export interface MaintenanceView {
  active: boolean;
  functions: string[];
  reason: string | null;
  scope: "workstation" | "store";
}

export const MAINTENANCE_OFF: MaintenanceView = {
  active: false,
  functions: [],
  reason: null,
  scope: "workstation",
};

/**
 * The one maintenance document of a workstation is the union of the
 * operator's switch (desired `maintenance`) and the update in progress: on
 * while either is; functions joined (`[]` from the operator means the whole
 * workstation, and stays so); both reasons. Pure.
 */
export function maintenanceUnion(
  operator: OperatorMaintenance | null | undefined,
  update: UpdateMaintenance | null,
): MaintenanceView {
  const byOperator = operator?.active === true ? operator : null;
  if (byOperator === null && update === null) return MAINTENANCE_OFF;
  const wholeWorkstation = byOperator !== null && byOperator.functions.length === 0;
  const functions = wholeWorkstation
    ? []
    : [...new Set([...(byOperator?.functions ?? []), ...(update?.functions ?? [])])].sort();
  const reasons = [
    ...(byOperator === null
      ? []
      : [
          `maintenance mode by ${byOperator.by}${byOperator.reason === null ? "" : `: ${byOperator.reason}`}`,
        ]),
    ...(update?.reason == null ? [] : [update.reason]),
  ];
  return {
    active: true,
    functions,
    reason: reasons.length === 0 ? null : reasons.join("; ").slice(0, 1024),
    scope: update?.scope ?? "workstation",
  };
}

/** Whether two views would publish the same document (apart from seq and ts). */
export function sameMaintenance(a: MaintenanceView, b: MaintenanceView): boolean {
  return (
    a.active === b.active &&
    a.reason === b.reason &&
    a.scope === b.scope &&
    a.functions.join("\n") === b.functions.join("\n")
  );
}
