import { type Answer, API_ROUTES } from "../api/routes.js";
import { checked, out } from "./command-args.js";
import { callRoute, resolveTarget, UsageError } from "./console-client.js";
import { EXIT_CODES, type ExitCode } from "./exit-codes.js";
import type { CliValues } from "./options.js";
import { textTable } from "./text-table.js";

export const WEBHOOK_USAGE = `usage: tillroll webhook add URL --secret S [--events E,...] [--json]
       tillroll webhook list [--json]
       tillroll webhook remove ID [--json]`;

type WebhookAnswer = Answer<"addWebhook">;

/** `--events a,b --events c`: the list, split at commas, blanks dropped. */
export function eventsOf(values: CliValues): string[] | undefined {
  if (values.events === undefined) return undefined;
  return values.events
    .flatMap((value) => value.split(","))
    .map((e) => e.trim())
    .filter((e) => e !== "");
}

/** One line per webhook: `2  https://…  task.planned, task.cancelled  secret: set  (added by admin …)`. */
export function formatWebhooks(webhooks: readonly WebhookAnswer[]): string {
  if (webhooks.length === 0)
    return "No webhooks. Add one with: tillroll webhook add URL --secret S";
  return textTable(
    ["ID", "URL", "EVENTS", "SECRET", "ADDED BY", "ADDED AT"],
    webhooks.map((webhook) => [
      webhook.id,
      webhook.url,
      webhook.events === null ? "all" : webhook.events.join(","),
      `secret: ${webhook.secret}`,
      webhook.createdBy,
      webhook.createdAt,
    ]),
  );
}

/** `tillroll webhook add|list|remove`. */
export async function runWebhookCommand(args: string[], values: CliValues): Promise<ExitCode> {
  const [sub = "", arg] = args;
  const json = values.json === true;
  switch (sub) {
    case "add": {
      const events = eventsOf(values);
      const body = checked(
        API_ROUTES.addWebhook.body.schema,
        {
          url: arg ?? "",
          secret: values.secret ?? "",
          ...(events === undefined ? {} : { events }),
        },
        "webhook add",
      );
      const target = await resolveTarget(values, process.env);
      const webhook = await callRoute(target, "addWebhook", { body });
      out(
        json
          ? JSON.stringify(webhook, null, 2)
          : `Added webhook ${webhook.id}: ${webhook.url} (${webhook.events === null ? "every event" : webhook.events.join(", ")}); secret: set`,
      );
      return EXIT_CODES.ok;
    }
    case "list": {
      const target = await resolveTarget(values, process.env);
      const webhooks = await callRoute(target, "listWebhooks");
      out(json ? JSON.stringify(webhooks, null, 2) : formatWebhooks(webhooks));
      return EXIT_CODES.ok;
    }
    case "remove": {
      const body = checked(
        API_ROUTES.removeWebhook.body.schema,
        { id: arg ?? "" },
        "webhook remove",
      );
      const target = await resolveTarget(values, process.env);
      const webhook = await callRoute(target, "removeWebhook", { body });
      out(
        json ? JSON.stringify(webhook, null, 2) : `Removed webhook ${webhook.id}: ${webhook.url}`,
      );
      return EXIT_CODES.ok;
    }
    default:
      throw new UsageError(WEBHOOK_USAGE);
  }
}
