import { STATUSES } from "@tillroll/protocol";
import type { FleetTable } from "./fleet/fleet-table.js";

/** Prometheus text exposition (format 0.0.4) of what an operator graphs and alerts on. */
export function renderMetrics(input: { fleet: FleetTable; workstations: number }): string {
  const byStatus = new Map<string, number>(STATUSES.map((status) => [status, 0]));
  let online = new Set<string>();
  for (const row of input.fleet.all()) {
    byStatus.set(row.status, (byStatus.get(row.status) ?? 0) + 1);
    if (row.online) online = online.add(`${row.store}/${row.workstation}`);
  }
  const lines = [
    "# HELP tillroll_workstations Enrolled workstations.",
    "# TYPE tillroll_workstations gauge",
    `tillroll_workstations ${input.workstations}`,
    "# HELP tillroll_workstations_online Workstations whose agent is connected.",
    "# TYPE tillroll_workstations_online gauge",
    `tillroll_workstations_online ${online.size}`,
    "# HELP tillroll_services Flow services by status.",
    "# TYPE tillroll_services gauge",
    ...[...byStatus].map(([status, count]) => `tillroll_services{status="${status}"} ${count}`),
  ];
  return `${lines.join("\n")}\n`;
}
