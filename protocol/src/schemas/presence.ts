import * as z from "zod";
import { documentHeader } from "./common.js";

/**
 * Whether the agent is connected: a separate fact from any status. The agent
 * publishes `online` (retained) once connected and arms `offline` as its last
 * will (MQTT 3.1.1 §3.1.2.5), so the broker publishes it when the connection
 * dies without a DISCONNECT. A will is fixed at connect time, so its `ts` is
 * when it was armed and its `seq` is reserved then: the agent takes two seqs
 * per connection, the will's above the `online` one.
 */
/**
 * What this agent understands beyond the protocol's first version, sent in
 * its `online` presence. The coordinator sends a desired field that changes
 * behaviour (a maintenance window, a redeploy) only to agents that list it,
 * because an older agent would drop the field and install at once.
 */
export const AGENT_CAPABILITIES = [
  "window",
  "redeploy",
  "drain",
  "recipe",
  "maintenance",
  "session-release",
] as const;
export type AgentCapability = (typeof AGENT_CAPABILITIES)[number];

export const MAX_CAPABILITIES = 16;
export const MAX_CAPABILITY_LENGTH = 32;

export const presenceDocumentSchema = z
  .object({
    ...documentHeader,
    state: z.enum(["online", "offline"]),
    agentVersion: z.string().max(64).nullable().meta({ description: "tillroll-agent version" }),
    capabilities: z
      .array(z.string().min(1).max(MAX_CAPABILITY_LENGTH))
      .max(MAX_CAPABILITIES)
      .optional()
      .meta({
        description:
          "Optional desired fields this agent understands (window, redeploy); absent: none. Unknown names are kept, not refused",
        examples: [["window", "redeploy"]],
      }),
  })
  .meta({ title: "Presence", description: "Agent -> all, retained, last will 'offline'" });

export type PresenceDocument = z.infer<typeof presenceDocumentSchema>;
