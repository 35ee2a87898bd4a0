import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { decodeEnvelope } from "@tillroll/protocol/node";
import { phaseOf } from "../engine/journal.js";
import { type AgentState, agentStateSchema, STATE_SCHEMA_VERSION } from "../state/agent-state.js";

/**
 * Reads the journal for `tillroll-agent status` without taking part in its
 * writes: a technician may run it while the daemon is busy, so it only
 * reads (the main file, else the .bak) and never cleans up or rewrites.
 */
export async function readLocalState(stateDir: string): Promise<AgentState | string> {
  const codec = {
    schemaVersion: STATE_SCHEMA_VERSION,
    validate: (raw: unknown) => agentStateSchema.parse(raw),
  };
  const problems: string[] = [];
  for (const name of ["agent.json", "agent.json.bak"]) {
    const file = join(stateDir, name);
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      problems.push(`${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
      continue;
    }
    const decoded = decodeEnvelope<AgentState>(text, codec, file);
    if (decoded.ok) return decoded.value;
    problems.push(decoded.reason);
  }
  return `no readable journal in ${stateDir} (${problems.join("; ")})`;
}

/** The local view as a table: one row per service. */
export function formatLocalStatus(
  state: AgentState,
  ids: { store: string; workstation: string },
): string {
  const header = ["Function", "Active", "Preferred", "Status", "Valid From", "Last error / reason"];
  const rows = Object.entries(state.services)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([fn, record]) => {
      const phase = phaseOf(record);
      const status =
        phase === null
          ? record.status
          : `${record.status} (${phase}${record.progress !== null && phase === "downloading" ? ` ${record.progress} %` : ""})`;
      return [
        fn,
        record.activeVersion ?? "-",
        record.preferredVersion ?? "-",
        status,
        record.validFrom ?? "",
        record.reason ?? "",
      ];
    });
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  const out = [
    `Workstation ${ids.store}/${ids.workstation}; last desired seq ${state.lastDesiredSeq ?? "none"}; ${state.outbox.length} report(s) waiting to be sent`,
    "",
    line(header),
    ...rows.map(line),
  ];
  if (rows.length === 0) out.push("(no flow services known yet)");
  return out.join("\n");
}
