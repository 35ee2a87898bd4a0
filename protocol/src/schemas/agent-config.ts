import * as z from "zod";
import { functionNameSchema, groupSchema, storeIdSchema, workstationIdSchema } from "../ids.js";
import { checkPublicKeyText } from "../public-key-text.js";
import { DEFAULT_TOPIC_ROOT, validateTopicRoot } from "../topics.js";
import { whenString } from "../validation.js";

/**
 * The agent's config file. Strict: an unknown or misspelt key stops start-up
 * with a message naming it, because a silently ignored `recheckSecs` on 3,000
 * tills is found only when a Saturday update misbehaves.
 */
const pathSchema = z.string().min(1).max(4096);

const publicKeySchema = z.string().superRefine((text, ctx) => {
  // The text only (pure): the agent builds the key with parsePublicKey when it starts.
  const parsed = checkPublicKeyText(text);
  if (!parsed.ok) ctx.addIssue({ code: "custom", message: parsed.error, input: text });
});

const probeSchema = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("lockfile"),
    path: pathSchema.meta({ description: "The POS's lock file" }),
    mode: z.enum(["exists", "flock"]).default("exists").meta({
      description:
        "exists: not ready while the file exists; flock: while another process holds a lock on it",
    }),
  }),
  z.strictObject({
    type: z.literal("command"),
    run: pathSchema.meta({
      description: "Exit 0 = ready; anything else = not ready (stdout is the reason)",
    }),
    timeoutSeconds: z.number().positive().max(300).default(10),
  }),
  z.strictObject({ type: z.literal("session") }),
]);

export const agentConfigSchema = z
  .strictObject({
    store: storeIdSchema,
    workstation: workstationIdSchema,
    group: groupSchema.optional(),
    broker: z.string().regex(/^mqtts?:\/\/[^\s/]+(:\d+)?\/?$/, {
      error: whenString((input) => `${JSON.stringify(input)} is not an mqtt:// or mqtts:// URL`),
    }),
    username: z.string().min(1).max(256).optional(),
    password: z.string().min(1).max(256).optional(),
    /** CA certificate (PEM file) for mqtts:// and https:// downloads, when not a public CA. */
    ca: pathSchema.optional(),
    root: pathSchema.meta({ description: "Install root: <root>/<function>/releases/<version>" }),
    state: pathSchema.meta({ description: "Folder of the local journal, downloads and logs" }),
    /** The coordinator's signing key, pinned: desired documents signed by anything else are refused. */
    coordinatorKey: publicKeySchema.optional(),
    /**
     * More pinned keys, for a key rotation: a desired document verifies when
     * signed by any of them (matched by key id). Pin the new key beside the old
     * one on every till first, then switch the coordinator to it.
     */
    coordinatorKeys: z.array(publicKeySchema).min(1).max(8).optional(),
    topicRoot: z
      .string()
      .default(DEFAULT_TOPIC_ROOT)
      .superRefine((root, ctx) => {
        const checked = validateTopicRoot(root);
        if (!checked.ok) ctx.addIssue({ code: "custom", message: checked.error, input: root });
      }),
    readiness: z.array(probeSchema).max(16).default([]),
    recheckSeconds: z.number().min(0.1).max(3600).default(30),
    /**
     * Issue 13: how long the agent waits, after switching maintenance on, for
     * the POS to acknowledge it (session `maintenanceSeq`) before it checks
     * readiness again and goes on. A till whose POS never published a session
     * document is not waited for.
     */
    posAckGraceSeconds: z.number().min(0).max(300).default(3),
    /**
     * An install in a maintenance window starts only when at least this many
     * minutes of the window remain (a window shorter than this asks for its
     * whole length), so it does not run past the window's end.
     */
    minWindowMinutes: z.number().int().min(0).max(1440).default(15),
    /** Reconnect backoff ceiling: attempts are jittered up to this, doubling from 1 s. */
    reconnectMaxSeconds: z.number().min(1).max(3600).default(60),
    serviceManager: z.enum(["process", "systemd"]).default("process"),
    /** systemd unit per function, when the descriptor names none. */
    units: z.record(functionNameSchema, z.string().min(1).max(256)).default({}),
    limits: z
      .strictObject({
        maxPackBytes: z
          .number()
          .int()
          .positive()
          .default(2 * 1024 ** 3),
        maxPackEntries: z.number().int().positive().default(100_000),
      })
      .default({ maxPackBytes: 2 * 1024 ** 3, maxPackEntries: 100_000 }),
    timeouts: z
      .strictObject({
        downloadSeconds: z.number().positive().default(3600),
        hookSeconds: z.number().positive().default(300),
        stopSeconds: z.number().positive().default(30),
      })
      .default({ downloadSeconds: 3600, hookSeconds: 300, stopSeconds: 30 }),
  })
  .superRefine((config, ctx) => {
    if (config.coordinatorKey === undefined && config.coordinatorKeys === undefined)
      ctx.addIssue({
        code: "custom",
        path: ["coordinatorKey"],
        message: "is required (or coordinatorKeys): the coordinator's public key to trust",
      });
  });

export type AgentConfig = z.output<typeof agentConfigSchema>;
export type AgentConfigInput = z.input<typeof agentConfigSchema>;
export type ReadinessProbeConfig = AgentConfig["readiness"][number];
