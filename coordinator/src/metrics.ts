import { type IntervalHistogram, monitorEventLoopDelay } from "node:perf_hooks";
import { STATUSES } from "@tillroll/protocol";
import type { FleetTable } from "./fleet/fleet-table.js";

/** Prometheus text exposition (format 0.0.4) of what an operator graphs and alerts on. */
/**
 * Event-loop delay since the previous scrape: a stall here is a broker and a
 * console that stop answering. Reset on every scrape, so each value covers
 * one scrape interval (a gauge, not a counter).
 */
export class LoopDelayMonitor {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });

  constructor() {
    this.histogram.enable();
  }

  /** max and p99 in seconds since the last call, then start afresh. */
  take(): { max: number; p99: number } {
    const result = { max: this.histogram.max / 1e9, p99: this.histogram.percentile(99) / 1e9 };
    this.histogram.reset();
    return result;
  }

  stop(): void {
    this.histogram.disable();
  }
}

export function renderMetrics(input: {
  fleet: FleetTable;
  workstations: number;
  loop?: LoopDelayMonitor;
  statusReports?: number;
  online?: number;
}): string {
  // From the status index: walking (and sorting) 100,000 rows stalled the
  // event loop for 100+ ms on every scrape.
  const byStatus = new Map<string, number>(
    STATUSES.map((status) => [status, input.fleet.countWithStatus(status)]),
  );
  const online = input.online ?? 0;
  const lines = [
    "# HELP tillroll_workstations Enrolled workstations.",
    "# TYPE tillroll_workstations gauge",
    `tillroll_workstations ${input.workstations}`,
    "# HELP tillroll_workstations_online Workstations whose agent is connected.",
    "# TYPE tillroll_workstations_online gauge",
    `tillroll_workstations_online ${online}`,
    "# HELP tillroll_services Flow services by status.",
    "# TYPE tillroll_services gauge",
    ...[...byStatus].map(([status, count]) => `tillroll_services{status="${status}"} ${count}`),
  ];
  if (input.statusReports !== undefined) {
    lines.push(
      "# HELP tillroll_status_reports_total Status documents applied since start.",
      "# TYPE tillroll_status_reports_total counter",
      `tillroll_status_reports_total ${input.statusReports}`,
    );
  }
  if (input.loop !== undefined) {
    const delay = input.loop.take();
    lines.push(
      "# HELP tillroll_event_loop_delay_seconds Event-loop delay since the previous scrape.",
      "# TYPE tillroll_event_loop_delay_seconds gauge",
      `tillroll_event_loop_delay_seconds{quantile="0.99"} ${delay.p99}`,
      `tillroll_event_loop_delay_seconds{quantile="1"} ${delay.max}`,
    );
  }
  return `${lines.join("\n")}\n`;
}
