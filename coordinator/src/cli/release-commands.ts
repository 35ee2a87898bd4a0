import { releaseIdSchema } from "../api/release-requests.js";
import { API_ROUTES, type RouteName } from "../api/routes.js";
import { checked, out, readGivenFile } from "./command-args.js";
import { ConsoleError, callRoute, resolveTarget, UsageError } from "./console-client.js";
import { EXIT_CODES, type ExitCode } from "./exit-codes.js";
import { platformNoticeLines, withNotices } from "./notice-lines.js";
import type { CliValues } from "./options.js";
import { formatReleaseTable, releaseLine, renderRelease } from "./release-render.js";

export const RELEASE_USAGE = `usage: tillroll release create --file F [--allow-downgrade] [--json]
       tillroll release list [--json]
       tillroll release show ID [--json]
       tillroll release start|trigger|pause|resume|retry|rollback|cancel ID [--json]
       tillroll release approve|reject ID --comment TEXT [--json]`;

/** The operations on one release by id, and their routes. */
const OPERATION_ROUTES = {
  start: "startRelease",
  trigger: "triggerRelease",
  pause: "pauseRelease",
  resume: "resumeRelease",
  retry: "retryRelease",
  rollback: "rollbackRelease",
  cancel: "cancelRelease",
} as const satisfies Record<string, RouteName>;
const DECISION_ROUTES = { approve: "approveRelease", reject: "rejectRelease" } as const;

/** ID is positional: its problems are named as ID, not as a flag. */
export function releaseIdArg(id: string | undefined, command: string): string {
  if (id === undefined) throw new UsageError(`${command} takes ID\n${RELEASE_USAGE}`);
  const parsed = releaseIdSchema.safeParse(id);
  if (!parsed.success)
    throw new UsageError(
      `${command}: ID ${JSON.stringify(id)} is not a release task id (a number like 3; tillroll release list shows them)`,
    );
  return parsed.data;
}

/**
 * The release document of `release create --file F`, as JSON. Its fields are
 * checked by the coordinator (the one schema), whose answer names them.
 */
export async function readReleaseDocument(path: string): Promise<unknown> {
  const text = await readGivenFile(path, "the release document");
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ConsoleError(`the release document ${path} is not JSON: ${(error as Error).message}`);
  }
}

/** What comes next for a created task: start it, it starts at its time, or it runs. */
function createdNext(view: { id: string; state: string; spec: { schedule: unknown } }): string {
  if (view.state === "Ready") return `; start it with: tillroll release start ${view.id}`;
  const schedule = view.spec.schedule as { mode: string; at?: string } | null;
  if (view.state === "Scheduled" && schedule?.at !== undefined)
    return `; starts at ${schedule.at} (release start ${view.id} starts it now)`;
  return schedule === null ? "" : ` (schedule ${schedule.mode})`;
}

/** Colour only for people at a terminal (NO_COLOR respected). */
function colorWanted(): boolean {
  return process.stdout.isTTY === true && (process.env.NO_COLOR ?? "") === "";
}

/** `tillroll release create|list|show|start|approve|reject|trigger|pause|resume|retry|rollback|cancel`. */
export async function runReleaseCommand(args: string[], values: CliValues): Promise<ExitCode> {
  const [sub = "", id, extra] = args;
  const json = values.json === true;
  const command = `release ${sub}`;
  if (extra !== undefined)
    throw new UsageError(`${command}: unexpected ${JSON.stringify(extra)}\n${RELEASE_USAGE}`);
  switch (sub) {
    case "create": {
      if (values.file === undefined) throw new UsageError(`release create: --file F is required`);
      const read = await readReleaseDocument(values.file);
      // --allow-downgrade sets the document's field (an object's; anything else the coordinator names).
      const document =
        values["allow-downgrade"] === true &&
        read !== null &&
        typeof read === "object" &&
        !Array.isArray(read)
          ? { ...read, allowDowngrade: true }
          : read;
      const target = await resolveTarget(values, process.env);
      const view = await callRoute(target, "createRelease", { body: document });
      if (json) out(JSON.stringify(view, null, 2));
      else {
        for (const warning of view.warnings ?? []) out(`warning: ${warning}`);
        out(`Created ${releaseLine(view)}${createdNext(view)}`);
      }
      return EXIT_CODES.ok;
    }
    case "list": {
      const target = await resolveTarget(values, process.env);
      const releases = await callRoute(target, "listReleases");
      out(
        json
          ? JSON.stringify(releases, null, 2)
          : withNotices(await platformNoticeLines(target), formatReleaseTable(releases)),
      );
      return EXIT_CODES.ok;
    }
    case "show": {
      const query = new URLSearchParams({ id: releaseIdArg(id, command) });
      const target = await resolveTarget(values, process.env);
      const view = await callRoute(target, "showRelease", { query });
      out(json ? JSON.stringify(view, null, 2) : renderRelease(view, { color: colorWanted() }));
      return EXIT_CODES.ok;
    }
    case "approve":
    case "reject": {
      if (values.comment === undefined)
        throw new UsageError(`${command}: --comment TEXT is required (why you ${sub})`);
      const body = checked(
        API_ROUTES[DECISION_ROUTES[sub]].body.schema,
        { id: releaseIdArg(id, command), comment: values.comment },
        command,
      );
      const target = await resolveTarget(values, process.env);
      const view = await callRoute(target, DECISION_ROUTES[sub], { body });
      out(json ? JSON.stringify(view, null, 2) : releaseLine(view));
      return EXIT_CODES.ok;
    }
    default: {
      if (!Object.hasOwn(OPERATION_ROUTES, sub)) throw new UsageError(RELEASE_USAGE);
      const route = OPERATION_ROUTES[sub as keyof typeof OPERATION_ROUTES];
      const body = { id: releaseIdArg(id, command) };
      const target = await resolveTarget(values, process.env);
      const view = await callRoute(target, route, { body });
      out(json ? JSON.stringify(view, null, 2) : releaseLine(view));
      return EXIT_CODES.ok;
    }
  }
}
