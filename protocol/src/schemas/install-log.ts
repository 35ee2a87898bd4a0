import * as z from "zod";
import { functionNameSchema, requestIdSchema } from "../ids.js";
import { MAX_LOG_LINE_LENGTH } from "../limits.js";
import { documentHeader, semverSchema } from "./common.js";

/**
 * One line of an update's install log, as the seeds' import log: the agent's
 * own steps and every line a hook prints. Not retained; the agent also keeps
 * the log in a local file.
 */
export const installLogLineSchema = z
  .object({
    ...documentHeader,
    function: functionNameSchema,
    version: semverSchema.nullable().meta({ description: "The version being installed" }),
    requestId: requestIdSchema.nullable(),
    level: z.enum(["info", "warn", "error"]),
    source: z.enum(["agent", "beforeInstall", "afterInstall", "service", "health"]).meta({
      description: "Who wrote the line: the agent itself, a hook, the service or its health check",
    }),
    stream: z.enum(["stdout", "stderr"]).nullable(),
    line: z.string().max(MAX_LOG_LINE_LENGTH),
  })
  .meta({ title: "Install log line", description: "Agent -> coordinator, not retained" });

export type InstallLogLine = z.infer<typeof installLogLineSchema>;
