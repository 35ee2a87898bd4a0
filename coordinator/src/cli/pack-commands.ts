import { type Answer, API_ROUTES, type RequestBody, type RequestQuery } from "../api/routes.js";
import { checked, filtersOf, out, queryOf } from "./command-args.js";
import { callRoute, resolveTarget, UsageError } from "./console-client.js";
import { EXIT_CODES, type ExitCode } from "./exit-codes.js";
import type { CliValues } from "./options.js";
import { textTable } from "./text-table.js";

export const PACK_USAGE = `usage: tillroll pack publish FILE [--json]
       tillroll pack list [--function F] [--json]
       tillroll pack withdraw NAME VERSION [--json]`;

/** The pack list for people: one line per version, withdrawn ones marked with when and by whom. */
export function formatPackTable(packs: Answer<"listPacks">): string {
  if (packs.length === 0) return "No packs are published.";
  return textTable(
    ["NAME", "VERSION", "UPDATABLE FROM", "SIZE", "PUBLISHED AT", "WITHDRAWN"],
    packs.map((pack) => [
      pack.name,
      pack.version,
      pack.updatableFrom ?? "any",
      String(pack.size),
      pack.publishedAt,
      pack.withdrawnAt === undefined ? "-" : `${pack.withdrawnAt} by ${pack.withdrawnBy ?? "?"}`,
    ]),
  );
}

/** `tillroll pack list|withdraw` (publish stays in commands.ts). */
export async function runPackCommand(args: string[], values: CliValues): Promise<ExitCode> {
  const [sub, ...rest] = args;
  const json = values.json === true;
  switch (sub) {
    case "list": {
      if (rest.length > 0) throw new UsageError(`pack list takes no arguments\n${PACK_USAGE}`);
      const query: RequestQuery<"listPacks"> = checked(
        API_ROUTES.listPacks.query,
        filtersOf(values),
        "pack list",
      );
      const target = await resolveTarget(values, process.env);
      const packs = await callRoute(target, "listPacks", { query: queryOf(query) });
      out(json ? JSON.stringify(packs, null, 2) : formatPackTable(packs));
      return EXIT_CODES.ok;
    }
    case "withdraw": {
      const [name, version, extra] = rest;
      if (name === undefined || version === undefined || extra !== undefined)
        throw new UsageError(`pack withdraw takes NAME VERSION\n${PACK_USAGE}`);
      const body: RequestBody<"withdrawPack"> = checked(
        API_ROUTES.withdrawPack.body.schema,
        { name, version },
        "pack withdraw",
      );
      const target = await resolveTarget(values, process.env);
      const pack = await callRoute(target, "withdrawPack", { body });
      if (json) out(JSON.stringify(pack, null, 2));
      else
        out(
          [
            `Withdrew ${pack.name} ${pack.version} (at ${pack.withdrawnAt}).`,
            "No new request may name it; rows already running it are untouched, and its file",
            "stays downloadable for agents that are installing it now.",
            ...(pack.pendingRows === 0
              ? []
              : [
                  `${pack.pendingRows} row(s) still have a request for it (tillroll status --function ${pack.name} --preferred-version ${pack.version});`,
                  `move them with tillroll set-preferred --function ${pack.name} --preferred-version ${pack.version} --version V|-`,
                ]),
          ].join("\n"),
        );
      return EXIT_CODES.ok;
    }
    default:
      throw new UsageError(PACK_USAGE);
  }
}
