import { type Answer, API_ROUTES, type RequestBody, type RequestQuery } from "../api/routes.js";
import { checked, filtersOf, out, queryOf } from "./command-args.js";
import { callRoute, resolveTarget, UsageError } from "./console-client.js";
import { EXIT_CODES, type ExitCode } from "./exit-codes.js";
import type { CliValues } from "./options.js";
import { textTable } from "./text-table.js";

export const WORKSTATION_USAGE = `usage: tillroll workstation add STORE/WS [--group G] [--json]
       tillroll workstation list [--store S] [--workstation W] [--group G] [--json]
       tillroll workstation remove STORE/WS [--json]
       tillroll workstation rekey STORE/WS [--json]`;

/** `1001/01` → its parts, or a usage error naming what was given. */
export function workstationRef(
  id: string | undefined,
  command: string,
): RequestBody<"rekeyWorkstation"> {
  if (id === undefined) throw new UsageError(`${command} takes STORE/WS\n${WORKSTATION_USAGE}`);
  const [store, workstation, extra] = id.split("/");
  if (store === undefined || workstation === undefined || extra !== undefined)
    throw new UsageError(`${JSON.stringify(id)} is not STORE/WS (e.g. 1001/01)`);
  return checked(API_ROUTES.rekeyWorkstation.body.schema, { store, workstation }, command);
}

/** A till's logins, agent config and CA, as `workstation add` and `rekey` print them (once). */
export function credentialLines(
  result: Omit<Answer<"rekeyWorkstation">, "disconnected">,
): string[] {
  return [
    `Agent broker login: ${result.username} / ${result.password}`,
    `POS broker login:   ${result.posUsername} / ${result.posPassword}`,
    "Agent config (save as agent.json; adjust root and state):",
    JSON.stringify(result.agentConfig, null, 2),
    ...(result.caPem === undefined
      ? []
      : ["CA the agent pins (save beside agent.json as ca.pem):", result.caPem.trimEnd()]),
    "The passwords are shown only now.",
  ];
}

export function formatWorkstationTable(list: Answer<"listWorkstations">): string {
  if (list.length === 0) return "No enrolled workstation matches.";
  return textTable(
    ["STORE/WS", "GROUP", "ENROLLED AT", "ONLINE", "SERVICES"],
    list.map((ws) => [
      `${ws.store}/${ws.workstation}`,
      ws.group ?? "-",
      ws.enrolledAt,
      ws.online ? "yes" : "no",
      String(ws.services),
    ]),
  );
}

const disconnectedText = (count: number | null) =>
  count === null
    ? "The broker is external: update its password file, and disconnect the old clients there."
    : `${count} connection(s) made with the old credentials closed.`;

/** `tillroll workstation list|remove|rekey` (add stays in commands.ts). */
export async function runWorkstationCommand(args: string[], values: CliValues): Promise<ExitCode> {
  const [sub, id, extra] = args;
  const json = values.json === true;
  if (extra !== undefined)
    throw new UsageError(`unexpected ${JSON.stringify(extra)}\n${WORKSTATION_USAGE}`);
  switch (sub) {
    case "list": {
      if (id !== undefined)
        throw new UsageError(
          `workstation list takes no STORE/WS: use --store and --workstation\n${WORKSTATION_USAGE}`,
        );
      const query: RequestQuery<"listWorkstations"> = checked(
        API_ROUTES.listWorkstations.query,
        filtersOf(values),
        "workstation list",
      );
      const target = await resolveTarget(values, process.env);
      const list = await callRoute(target, "listWorkstations", { query: queryOf(query) });
      out(json ? JSON.stringify(list, null, 2) : formatWorkstationTable(list));
      return EXIT_CODES.ok;
    }
    case "remove": {
      const body = workstationRef(id, "workstation remove");
      const target = await resolveTarget(values, process.env);
      const result = await callRoute(target, "removeWorkstation", { body });
      if (json) out(JSON.stringify(result, null, 2));
      else
        out(
          [
            `Removed ${result.store}/${result.workstation}: its agent and POS can no longer log in; ${result.removedRows} flow-service row(s) removed.`,
            disconnectedText(result.disconnected),
          ].join("\n"),
        );
      return EXIT_CODES.ok;
    }
    case "rekey": {
      const body = workstationRef(id, "workstation rekey");
      const target = await resolveTarget(values, process.env);
      const result = await callRoute(target, "rekeyWorkstation", { body });
      if (json) out(JSON.stringify(result, null, 2));
      else
        out(
          [
            `New credentials for ${result.store}/${result.workstation}; the old ones no longer work.`,
            disconnectedText(result.disconnected),
            ...credentialLines(result),
          ].join("\n"),
        );
      return EXIT_CODES.ok;
    }
    default:
      throw new UsageError(WORKSTATION_USAGE);
  }
}
