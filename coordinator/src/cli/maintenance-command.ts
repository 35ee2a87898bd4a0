import { API_ROUTES, type RequestBody } from "../api/routes.js";
import { checked, out, single } from "./command-args.js";
import { callRoute, resolveTarget, UsageError } from "./console-client.js";
import { EXIT_CODES, type ExitCode } from "./exit-codes.js";
import type { CliValues } from "./options.js";

export const MAINTENANCE_USAGE =
  "usage: tillroll maintenance on|off STORE/WS [--function F] [--reason TEXT] [--json]";

/**
 * `tillroll maintenance on|off 1001/01 [--function F] [--reason TEXT]`
 * (issue 13): the operator's maintenance switch; the till's POS admits no new
 * logins while it is on. One call to `POST /api/maintenance`.
 */
export async function runMaintenanceCommand(args: string[], values: CliValues): Promise<ExitCode> {
  const [sub, id, extra] = args;
  if ((sub !== "on" && sub !== "off") || id === undefined || extra !== undefined)
    throw new UsageError(MAINTENANCE_USAGE);
  const [store, workstation, more] = id.split("/");
  if (store === undefined || workstation === undefined || more !== undefined)
    throw new UsageError(`${JSON.stringify(id)} is not STORE/WS (e.g. 1001/01)`);
  const command = `maintenance ${sub}`;
  const fn = single(values, "function", command);
  const body: RequestBody<"maintenance"> = checked(
    API_ROUTES.maintenance.body.schema,
    {
      store,
      workstation,
      active: sub === "on",
      function: fn ?? null,
      reason: values.reason ?? null,
    },
    command,
  );
  const target = await resolveTarget(values, process.env);
  const result = await callRoute(target, "maintenance", { body });
  if (values.json === true) out(JSON.stringify(result, null, 2));
  else out(describe(result.store, result.workstation, result.maintenance));
  return EXIT_CODES.ok;
}

function describe(
  store: string,
  workstation: string,
  maintenance: { functions: string[]; reason: string | null; by: string } | null,
): string {
  const id = `${store}/${workstation}`;
  if (maintenance === null) return `Maintenance mode off for ${id}: its POS admits logins again.`;
  const what =
    maintenance.functions.length === 0 ? "the whole workstation" : maintenance.functions.join(", ");
  const why = maintenance.reason === null ? "" : ` (${maintenance.reason})`;
  return `Maintenance mode on for ${id}, ${what}${why}: its POS admits no new logins.`;
}
