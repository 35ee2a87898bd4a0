/**
 * One simulator process of a fleet split across processes (fleet-procs.ts):
 * receives its slice of the fleet as the first IPC message, runs it with
 * startFleetSim, and reports its counters to the parent every REPORT_MS and
 * on request. Exits when the parent says close or goes away.
 */
import { type FleetSim, type FleetSimOptions, startFleetSim } from "./fleet-sim.js";

export type ChildRequest =
  | { kind: "start"; options: FleetSimOptions }
  | { kind: "stats"; id: number }
  | { kind: "dropAll"; id: number }
  | { kind: "reconnectAll"; id: number }
  | { kind: "close"; id: number };

export type ChildReport =
  | { kind: "started"; stats: ReturnType<FleetSim["stats"]> }
  | { kind: "failed"; error: string }
  | { kind: "stats"; stats: ReturnType<FleetSim["stats"]> }
  | { kind: "done"; id: number; error?: string };

/** Why counters are pushed unasked: the parent's waitFor reads the latest without a round trip. */
const REPORT_MS = 100;

function send(report: ChildReport): void {
  process.send?.(report);
}

let sim: FleetSim | null = null;
let timer: NodeJS.Timeout | null = null;

async function answer(id: number, work: () => Promise<void> | void): Promise<void> {
  try {
    await work();
    send({ kind: "done", id });
  } catch (error) {
    send({ kind: "done", id, error: (error as Error).message });
  }
}

process.on("message", (message: ChildRequest) => {
  switch (message.kind) {
    case "start":
      startFleetSim(message.options).then(
        (started) => {
          sim = started;
          send({ kind: "started", stats: started.stats() });
          timer = setInterval(() => {
            if (sim !== null) send({ kind: "stats", stats: sim.stats() });
          }, REPORT_MS);
        },
        (error: Error) => send({ kind: "failed", error: error.message }),
      );
      return;
    case "stats":
      void answer(message.id, () => {
        if (sim !== null) send({ kind: "stats", stats: sim.stats() });
      });
      return;
    case "dropAll":
      void answer(message.id, () => sim?.dropAll());
      return;
    case "reconnectAll":
      void answer(message.id, () => sim?.reconnectAll());
      return;
    case "close":
      void answer(message.id, async () => {
        if (timer !== null) clearInterval(timer);
        await sim?.close();
        sim = null;
      }).then(() => process.disconnect?.());
      return;
  }
});
// The parent died or let go of us: nothing left to simulate for.
process.on("disconnect", () => {
  if (timer !== null) clearInterval(timer);
  void (sim?.close() ?? Promise.resolve()).finally(() => process.exit(0));
});
