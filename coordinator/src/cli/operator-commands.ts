import { userInfo } from "node:os";
import { operatorNameSchema } from "../api/account-requests.js";
import { API_ROUTES, type RequestBody } from "../api/routes.js";
import { checked, out } from "./command-args.js";
import {
  ConsoleError,
  callApi,
  callRoute,
  resolveTarget,
  resolveUrl,
  UsageError,
} from "./console-client.js";
import { forgetLogin, saveLogin, storedLogin } from "./credentials-file.js";
import { EXIT_CODES, type ExitCode } from "./exit-codes.js";
import type { CliValues } from "./options.js";
import { readPassword } from "./read-password.js";
import { textTable } from "./text-table.js";

export const OPERATOR_USAGE = `usage: tillroll operator add NAME --role ROLE [--scope GROUP] [--email ADDR] [--json]
       tillroll operator list [--json]
       tillroll operator remove NAME [--json]
       tillroll operator reset NAME [--json]`;

/** NAME is positional: its problems are named as NAME, not as a `--name` flag. */
function nameArg(name: string | undefined, command: string): RequestBody<"removeOperator"> {
  if (name === undefined) throw new UsageError(`${command} takes NAME\n${OPERATOR_USAGE}`);
  const parsed = operatorNameSchema.safeParse(name);
  if (!parsed.success)
    throw new UsageError(
      `${command}: NAME ${JSON.stringify(name)} ${parsed.error.issues[0]?.message ?? "is not valid"}`,
    );
  return { name };
}

/** The secrets of `operator add` and `operator reset`, for people: shown once. */
function issuedText(
  verb: string,
  issued: { name: string; role: string; scope: string | null; token: string; password: string },
): string {
  return [
    `${verb} ${issued.name} (${issued.role}, scope ${issued.scope ?? "the whole fleet"}).`,
    `API token (TILLROLL_TOKEN, for the CLI and scripts): ${issued.token}`,
    `Password (for tillroll login and the web console):   ${issued.password}`,
    "Both are shown only now; `tillroll operator reset` issues new ones.",
  ].join("\n");
}

/** `tillroll operator add|list|remove|reset`. */
export async function runOperatorCommand(args: string[], values: CliValues): Promise<ExitCode> {
  const [sub, name, extra] = args;
  const json = values.json === true;
  if (extra !== undefined)
    throw new UsageError(`unexpected ${JSON.stringify(extra)}\n${OPERATOR_USAGE}`);
  switch (sub) {
    case "add": {
      nameArg(name, "operator add");
      const body = checked(
        API_ROUTES.addOperator.body.schema,
        {
          name,
          role: values.role,
          ...(values.scope === undefined ? {} : { scope: values.scope }),
          ...(values.email === undefined ? {} : { email: values.email }),
        } as RequestBody<"addOperator">,
        "operator add",
      );
      const target = await resolveTarget(values, process.env);
      const issued = await callRoute(target, "addOperator", { body });
      // The JSON carries the secrets too: `--json > anna.json` hands them over once.
      out(json ? JSON.stringify(issued, null, 2) : issuedText("Added", issued));
      return EXIT_CODES.ok;
    }
    case "list": {
      if (name !== undefined)
        throw new UsageError(`operator list takes no NAME\n${OPERATOR_USAGE}`);
      const target = await resolveTarget(values, process.env);
      const list = await callRoute(target, "listOperators");
      if (json) out(JSON.stringify(list, null, 2));
      else
        out(
          list.length === 0
            ? "No operators you may manage."
            : textTable(
                ["NAME", "ROLE", "SCOPE", "EMAIL", "SECRETS ISSUED AT"],
                list.map((o) => [
                  o.name,
                  o.role,
                  o.scope ?? "-",
                  o.email ?? "-",
                  o.secretsIssuedAt,
                ]),
              ),
        );
      return EXIT_CODES.ok;
    }
    case "remove": {
      const body = nameArg(name, "operator remove");
      const target = await resolveTarget(values, process.env);
      const removed = await callRoute(target, "removeOperator", { body });
      out(
        json
          ? JSON.stringify(removed, null, 2)
          : `Removed ${removed.name}: its token, password and sessions no longer work.`,
      );
      return EXIT_CODES.ok;
    }
    case "reset": {
      const body = nameArg(name, "operator reset");
      const target = await resolveTarget(values, process.env);
      const issued = await callRoute(target, "resetOperator", { body });
      out(json ? JSON.stringify(issued, null, 2) : issuedText("New secrets for", issued));
      return EXIT_CODES.ok;
    }
    default:
      throw new UsageError(OPERATOR_USAGE);
  }
}

/**
 * `tillroll login`: name and password for a session token (`POST
 * /api/session` with `token: true`), kept per URL in the user's config
 * folder. It ends after the coordinator's idle timeout without use, on
 * logout, and when the operator is reset or removed.
 */
export async function runLogin(values: CliValues): Promise<ExitCode> {
  const url = resolveUrl(values, process.env);
  const name = values.name ?? userInfo().username.toLowerCase();
  const password = await readPassword(`Password for ${name} at ${url}: `);
  if (password === "") throw new UsageError("login: no password given");
  const body = checked(
    API_ROUTES.login.body.schema,
    { name, password, token: true },
    "login",
  ) as RequestBody<"login">;
  const answer = await callRoute({ url, token: "" }, "login", { body });
  if (answer.token === undefined) throw new ConsoleError("login: the coordinator sent no token");
  const path = await saveLogin(
    url,
    { name: answer.name, token: answer.token, savedAt: new Date().toISOString() },
    process.env,
  );
  const idle =
    answer.idleTimeoutSeconds === undefined
      ? ""
      : `; it ends after ${Math.round(answer.idleTimeoutSeconds / 60)} min unused`;
  out(
    `Logged in to ${url} as ${answer.name} (${answer.role}, scope ${answer.scope ?? "the whole fleet"}). Token saved in ${path}${idle}.`,
  );
  return EXIT_CODES.ok;
}

/** `tillroll logout`: ends the session at the coordinator (when reachable) and deletes the token. */
export async function runLogout(values: CliValues): Promise<ExitCode> {
  const url = resolveUrl(values, process.env);
  const saved = await storedLogin(url, process.env);
  if (saved === undefined) {
    out(`Not logged in to ${url}.`);
    return EXIT_CODES.ok;
  }
  let note = "";
  try {
    await callApi({ url, token: saved.token }, API_ROUTES.logout.method, API_ROUTES.logout.path);
  } catch (error) {
    note = ` (the coordinator did not confirm: ${(error as Error).message})`;
  }
  await forgetLogin(url, process.env);
  out(`Logged out of ${url}; the saved token is deleted${note}.`);
  return EXIT_CODES.ok;
}
