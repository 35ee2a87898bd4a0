import { readFile } from "node:fs/promises";
import { formatWho } from "../accounts/audit-identity.js";
import { type Answer, API_ROUTES, type RequestBody, type RequestQuery } from "../api/routes.js";
import { formatStatusTable, toJsonRow } from "../fleet/status-table.js";
import { checked, filtersOf, out, queryOf, single } from "./command-args.js";
import { ConsoleError, callRoute, resolveTarget, UsageError } from "./console-client.js";
import { changeExitCode, EXIT_CODES, type ExitCode } from "./exit-codes.js";
import { runLogCommand } from "./log-command.js";
import { runMaintenanceCommand } from "./maintenance-command.js";
import { platformNoticeLines, withNotices } from "./notice-lines.js";
import { runLogin, runLogout, runOperatorCommand } from "./operator-commands.js";
import type { CliValues } from "./options.js";
import { runPackCommand } from "./pack-commands.js";
import { runPosSessionCommand } from "./pos-session-commands.js";
import { rebuildRequest, runRecipeCommand, runUpdatesCommand } from "./recipe-commands.js";
import { runReleaseCommand } from "./release-commands.js";
import { runBlackoutCommand, runStoreCommand, runWindowCommand } from "./schedule-commands.js";
import { runWebhookCommand } from "./webhook-commands.js";
import { credentialLines, runWorkstationCommand } from "./workstation-commands.js";

/** A change's answer (set-preferred and retry answer the same report), from the API contract. */
type ChangeReport = Answer<"setPreferred">;
type RowChange = ChangeReport["changed"][number];

// Moved to command-args.ts (shared with the pack and workstation commands); still exported here.
export { filtersOf, inFlagTerms } from "./command-args.js";

/**
 * The body `tillroll set-preferred` sends, checked against the contract
 * first: a command line the coordinator would refuse is a usage error.
 */
export function setPreferredRequest(values: CliValues): RequestBody<"setPreferred"> {
  const fn = single(values, "function", "set-preferred");
  if (fn === undefined || values.version === undefined) {
    throw new UsageError("set-preferred: --function F and --version V|- are required");
  }
  const body: RequestBody<"setPreferred"> = {
    function: fn,
    version: values.version,
    ...(values["valid-from"] === undefined ? {} : { validFrom: values["valid-from"] }),
    install: values.install === true,
    filters: filtersOf(values, ["function"]),
    all: values.all === true,
    dryRun: values["dry-run"] === true,
    ...(values["drain-minutes"] === undefined
      ? {}
      : { drain: { noticeMinutes: Number(values["drain-minutes"]), force: false } }),
  };
  return checked(API_ROUTES.setPreferred.body.schema, body, "set-preferred");
}

/** The body `tillroll retry` sends, checked against the contract first. */
export function retryRequest(values: CliValues): RequestBody<"retry"> {
  const body: RequestBody<"retry"> = {
    filters: filtersOf(values),
    all: values.all === true,
    dryRun: values["dry-run"] === true,
  };
  return checked(API_ROUTES.retry.body.schema, body, "retry");
}

/** The report of a change for people: every row changed and skipped, with reasons. */
export function describeChanges(report: ChangeReport): string {
  const line = (change: RowChange) => `${change.store}/${change.workstation} ${change.function}`;
  const verb = report.dryRun
    ? { changed: "would change", skipped: "would skip  " }
    : { changed: "changed", skipped: "skipped" };
  const head = report.dryRun
    ? `Dry run, nothing changed: ${report.changed.length} would change, ${report.skipped.length} would be skipped`
    : `${report.changed.length} changed, ${report.skipped.length} skipped`;
  const lines = [
    head,
    ...report.changed.map(
      (c) =>
        `  ${verb.changed}  ${line(c)}${c.kind === "apply" ? ` -> ${c.status}, preferred ${c.preferredVersion ?? "-"}` : ""}`,
    ),
    ...report.skipped.map(
      (c) => `  ${verb.skipped}  ${line(c)}: ${c.kind === "skip" ? c.reason : ""}`,
    ),
  ];
  return lines.join("\n");
}

/** Prints a change's report and turns it into the exit code (nothing changed: says so on stderr). */
function finishChange(report: ChangeReport, json: boolean): ExitCode {
  out(json ? JSON.stringify(report, null, 2) : describeChanges(report));
  const code = changeExitCode(report);
  if (code === EXIT_CODES.nothingChanged) {
    const what =
      report.skipped.length === 0
        ? "nothing matched: no row passes the filters"
        : `every matching row was skipped (${report.skipped.length}, reasons above)`;
    process.stderr.write(
      `tillroll: ${what}; nothing ${report.dryRun ? "would change" : "changed"}\n`,
    );
  }
  return code;
}

/** The console commands: each one HTTP call, a table for people or JSON for scripts. Returns the exit code. */
export async function runConsoleCommand(
  command: string,
  args: string[],
  values: CliValues,
): Promise<ExitCode> {
  const json = values.json === true;
  switch (command) {
    case "workstation": {
      const [sub, id] = args;
      if (sub !== "add") return runWorkstationCommand(args, values);
      if (id === undefined)
        throw new UsageError("usage: tillroll workstation add STORE/WS [--group G] [--json]");
      const [store, workstation, extra] = id.split("/");
      if (store === undefined || workstation === undefined || extra !== undefined) {
        throw new UsageError(`${JSON.stringify(id)} is not STORE/WS (e.g. 1001/01)`);
      }
      const group = single(values, "group", "workstation add");
      const body: RequestBody<"enrol"> = {
        store,
        workstation,
        ...(group === undefined ? {} : { group }),
      };
      checked(API_ROUTES.enrol.body.schema, body, "workstation add");
      const target = await resolveTarget(values, process.env);
      const result = await callRoute(target, "enrol", { body });
      if (Array.isArray(result))
        throw new ConsoleError("enrolment answered a list for one workstation");
      if (json) out(JSON.stringify(result, null, 2));
      else
        out(
          [`Enrolled ${result.store}/${result.workstation}.`, ...credentialLines(result)].join(
            "\n",
          ),
        );
      return EXIT_CODES.ok;
    }
    case "pack": {
      const [sub, file] = args;
      if (sub !== "publish") return runPackCommand(args, values);
      if (file === undefined) throw new UsageError("usage: tillroll pack publish FILE");
      let bytes: Buffer;
      try {
        bytes = await readFile(file);
      } catch (error) {
        throw new ConsoleError(
          `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
        );
      }
      const target = await resolveTarget(values, process.env);
      const pack = await callRoute(target, "publishPack", { raw: bytes });
      if (json) out(JSON.stringify(pack, null, 2));
      else
        out(`Published ${pack.name} ${pack.version} (sha256 ${pack.sha256}, ${pack.size} bytes)`);
      return EXIT_CODES.ok;
    }
    case "status": {
      const filters: RequestQuery<"status"> = checked(
        API_ROUTES.status.query,
        filtersOf(values),
        "status",
      );
      const target = await resolveTarget(values, process.env);
      const rows = await callRoute(target, "status", { query: queryOf(filters) });
      if (json) out(JSON.stringify(rows.map(toJsonRow), null, 2));
      else
        out(
          withNotices(
            await platformNoticeLines(target),
            rows.length === 0 ? "No flow services match." : formatStatusTable(rows),
          ),
        );
      return EXIT_CODES.ok;
    }
    case "versions": {
      if (values.function === undefined) throw new UsageError("versions: --function F is required");
      const filters: RequestQuery<"versions"> = checked(
        API_ROUTES.versions.query,
        filtersOf(values),
        "versions",
      );
      const target = await resolveTarget(values, process.env);
      const result = await callRoute(target, "versions", { query: queryOf(filters) });
      if (json) out(JSON.stringify(result, null, 2));
      else
        out(
          [
            `Versions that may be chosen for ${result.function} (${result.rows} matching service(s)), newest first:`,
            ...result.versions.map(
              (v) =>
                `  ${v.version.padEnd(16)} ${v.version === "-" ? "no update planned" : `allowed for ${v.rows} of ${result.rows}`}`,
            ),
          ].join("\n"),
        );
      return EXIT_CODES.ok;
    }
    case "set-preferred": {
      const body = setPreferredRequest(values);
      const target = await resolveTarget(values, process.env);
      return finishChange(await callRoute(target, "setPreferred", { body }), json);
    }
    case "retry": {
      const body = retryRequest(values);
      const target = await resolveTarget(values, process.env);
      return finishChange(await callRoute(target, "retry", { body }), json);
    }
    case "operator":
      return runOperatorCommand(args, values);
    case "release":
      return runReleaseCommand(args, values);
    case "window":
      return runWindowCommand(args, values);
    case "store":
      return runStoreCommand(args, values);
    case "blackout":
      return runBlackoutCommand(args, values);
    case "webhook":
      return runWebhookCommand(args, values);
    case "log":
      return runLogCommand(args, values);
    case "maintenance":
      return runMaintenanceCommand(args, values);
    case "login":
      return runLogin(values);
    case "logout":
      return runLogout(values);
    case "audit": {
      const query: RequestQuery<"audit"> = checked(
        API_ROUTES.audit.query,
        {
          ...(values.operator === undefined ? {} : { operator: values.operator }),
          ...(values.from === undefined ? {} : { from: values.from }),
          ...(values.to === undefined ? {} : { to: values.to }),
        },
        "audit",
      );
      const target = await resolveTarget(values, process.env);
      const entries = await callRoute(target, "audit", { query: new URLSearchParams(query) });
      if (json) out(JSON.stringify(entries, null, 2));
      else
        out(
          entries.length === 0
            ? "No console actions recorded yet."
            : entries
                .map(
                  (e) =>
                    `${e.at}  ${formatWho(e.who)}  ${e.action}  ${JSON.stringify(e.details)}  touched ${e.touched.length}, skipped ${e.skipped}`,
                )
                .join("\n"),
        );
      return EXIT_CODES.ok;
    }
    // Recipes, updates and rebuild (issue 13): recipe-commands.ts.
    case "recipe":
      return runRecipeCommand(args, values);
    case "updates":
      return runUpdatesCommand(values);
    case "rebuild": {
      const body = rebuildRequest(values);
      const target = await resolveTarget(values, process.env);
      return finishChange(await callRoute(target, "rebuild", { body }), json);
    }
    case "pos-session":
      return runPosSessionCommand(args, values);
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}: see tillroll --help`);
  }
}
