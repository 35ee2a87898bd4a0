import { readFile } from "node:fs/promises";
import type { AuditEntry } from "../audit/audit-log.js";
import type { ServiceRow } from "../fleet/service-row.js";
import { formatStatusTable, toJsonRow } from "../fleet/status-table.js";
import type { ChangeReport, EnrolResult } from "../operations/console-operations.js";
import type { RowChange } from "../operations/plan-changes.js";
import type { PackRecord } from "../packs/pack-record.js";
import { ConsoleError, callApi, resolveTarget } from "./console-client.js";
import type { CliValues } from "./main.js";

const FILTER_FLAGS = [
  "store",
  "workstation",
  "function",
  "active-version",
  "preferred-version",
  "status",
  "group",
  "valid-from-from",
  "valid-from-to",
] as const;

function filtersOf(values: CliValues): Record<string, string> {
  const filters: Record<string, string> = {};
  for (const flag of FILTER_FLAGS) {
    const value = values[flag];
    if (typeof value === "string") filters[flag] = value;
  }
  return filters;
}

function out(text: string): void {
  process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}

function describeChanges(report: ChangeReport): string {
  const line = (change: RowChange) => `${change.store}/${change.workstation} ${change.function}`;
  const lines = [
    `${report.changed.length} changed, ${report.skipped.length} skipped`,
    ...report.changed.map(
      (c) =>
        `  changed  ${line(c)}${c.kind === "apply" ? ` -> ${c.status}, preferred ${c.preferredVersion ?? "-"}` : ""}`,
    ),
    ...report.skipped.map((c) => `  skipped  ${line(c)}: ${c.kind === "skip" ? c.reason : ""}`),
  ];
  return lines.join("\n");
}

/** The console commands: each one HTTP call, a table for people or JSON for scripts. */
export async function runConsoleCommand(
  command: string,
  args: string[],
  values: CliValues,
): Promise<void> {
  const target = await resolveTarget(values, process.env);
  const json = values.json === true;
  switch (command) {
    case "workstation": {
      const [sub, id] = args;
      if (sub !== "add" || id === undefined)
        throw new ConsoleError("usage: tillroll workstation add STORE/WS [--group G] [--json]");
      const [store, workstation, extra] = id.split("/");
      if (store === undefined || workstation === undefined || extra !== undefined) {
        throw new ConsoleError(`${JSON.stringify(id)} is not STORE/WS (e.g. 1001/01)`);
      }
      const result = await callApi<EnrolResult>(target, "POST", "/api/workstations", {
        store,
        workstation,
        group: values.group,
      });
      if (json) return out(JSON.stringify(result, null, 2));
      return out(
        [
          `Enrolled ${result.store}/${result.workstation}.`,
          `Agent broker login: ${result.username} / ${result.password}`,
          `POS broker login:   ${result.posUsername} / ${result.posPassword}`,
          "Agent config (save as agent.json; adjust root and state):",
          JSON.stringify(result.agentConfig, null, 2),
          "The passwords are shown only now.",
        ].join("\n"),
      );
    }
    case "pack": {
      const [sub, file] = args;
      if (sub !== "publish" || file === undefined)
        throw new ConsoleError("usage: tillroll pack publish FILE");
      let bytes: Buffer;
      try {
        bytes = await readFile(file);
      } catch (error) {
        throw new ConsoleError(
          `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
        );
      }
      const pack = await callApi<PackRecord>(target, "POST", "/api/packs", undefined, bytes);
      if (json) return out(JSON.stringify(pack, null, 2));
      return out(
        `Published ${pack.name} ${pack.version} (sha256 ${pack.sha256}, ${pack.size} bytes)`,
      );
    }
    case "status": {
      const query = new URLSearchParams(filtersOf(values)).toString();
      const rows = await callApi<ServiceRow[]>(
        target,
        "GET",
        `/api/status${query === "" ? "" : `?${query}`}`,
      );
      if (json) return out(JSON.stringify(rows.map(toJsonRow), null, 2));
      return out(rows.length === 0 ? "No flow services match." : formatStatusTable(rows));
    }
    case "versions": {
      if (values.function === undefined)
        throw new ConsoleError("versions: --function F is required");
      const query = new URLSearchParams(filtersOf(values)).toString();
      const result = await callApi<{
        function: string;
        rows: number;
        versions: { version: string; rows: number }[];
      }>(target, "GET", `/api/versions?${query}`);
      if (json) return out(JSON.stringify(result, null, 2));
      return out(
        [
          `Versions that may be chosen for ${result.function} (${result.rows} matching service(s)):`,
          ...result.versions.map(
            (v) =>
              `  ${v.version.padEnd(16)} ${v.version === "-" ? "no update planned" : `allowed for ${v.rows} of ${result.rows}`}`,
          ),
        ].join("\n"),
      );
    }
    case "set-preferred": {
      if (values.function === undefined || values.version === undefined) {
        throw new ConsoleError("set-preferred: --function F and --version V|- are required");
      }
      const report = await callApi<ChangeReport>(target, "POST", "/api/set-preferred", {
        function: values.function,
        version: values.version,
        validFrom: values["valid-from"],
        install: values.install === true,
        filters: filtersOf(values),
      });
      return out(json ? JSON.stringify(report, null, 2) : describeChanges(report));
    }
    case "retry": {
      const report = await callApi<ChangeReport>(target, "POST", "/api/retry", {
        filters: filtersOf(values),
      });
      return out(json ? JSON.stringify(report, null, 2) : describeChanges(report));
    }
    case "audit": {
      const entries = await callApi<AuditEntry[]>(target, "GET", "/api/audit");
      if (json) return out(JSON.stringify(entries, null, 2));
      return out(
        entries.length === 0
          ? "No console actions recorded yet."
          : entries
              .map(
                (e) =>
                  `${e.at}  ${e.who}  ${e.action}  ${JSON.stringify(e.details)}  touched ${e.touched.length}, skipped ${e.skipped}`,
              )
              .join("\n"),
      );
    }
    default:
      throw new ConsoleError(`unknown command ${JSON.stringify(command)}: see tillroll --help`);
  }
}
