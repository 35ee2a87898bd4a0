import { API_ROUTES, type RequestBody } from "../api/routes.js";
import { checked, out } from "./command-args.js";
import { callRoute, resolveTarget, UsageError } from "./console-client.js";
import { EXIT_CODES, type ExitCode } from "./exit-codes.js";
import type { CliValues } from "./options.js";

export const POS_SESSION_USAGE =
  "usage: tillroll pos-session release STORE/WS --reason TEXT [--force] [--json]";

/** The body `tillroll pos-session release` sends, checked against the contract first. */
export function posSessionReleaseRequest(
  id: string | undefined,
  values: CliValues,
): RequestBody<"posSessionRelease"> {
  if (id === undefined)
    throw new UsageError(`pos-session release takes STORE/WS\n${POS_SESSION_USAGE}`);
  const [store, workstation, extra] = id.split("/");
  if (store === undefined || workstation === undefined || extra !== undefined)
    throw new UsageError(`${JSON.stringify(id)} is not STORE/WS (e.g. 1001/01)`);
  if (values.reason === undefined)
    throw new UsageError(
      `pos-session release needs --reason TEXT (it goes into the audit)\n${POS_SESSION_USAGE}`,
    );
  return checked(
    API_ROUTES.posSessionRelease.body.schema,
    { store, workstation, reason: values.reason, force: values.force === true },
    "pos-session release",
  );
}

/** `tillroll pos-session release STORE/WS --reason TEXT [--force]` (issue 13). */
export async function runPosSessionCommand(args: string[], values: CliValues): Promise<ExitCode> {
  const [sub, id, extra] = args;
  if (sub !== "release" || extra !== undefined) throw new UsageError(POS_SESSION_USAGE);
  const body = posSessionReleaseRequest(id, values);
  const target = await resolveTarget(values, process.env);
  const result = await callRoute(target, "posSessionRelease", { body });
  if (values.json === true) out(JSON.stringify(result, null, 2));
  else
    out(
      [
        `Released the POS session of ${result.store}/${result.workstation} (session seq ${result.release.sessionSeq}, by ${result.release.by}); its agent goes on with the update while the POS stays offline.`,
        ...result.staleRows.map((row) => `  was: ${row}`),
      ].join("\n"),
    );
  return EXIT_CODES.ok;
}
