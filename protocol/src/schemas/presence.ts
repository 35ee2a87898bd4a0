import { z } from "zod";
import { documentHeader } from "./common.js";

/**
 * Whether the agent is connected: a separate fact from any status. The agent
 * publishes `online` (retained) once connected and arms `offline` as its last
 * will (MQTT 3.1.1 §3.1.2.5), so the broker publishes it when the connection
 * dies without a DISCONNECT. A will is fixed at connect time, so its `ts` is
 * when it was armed and its `seq` is reserved then: the agent takes two seqs
 * per connection, the will's above the `online` one.
 */
export const presenceDocumentSchema = z
  .object({
    ...documentHeader,
    state: z.enum(["online", "offline"]),
    agentVersion: z.string().max(64).nullable().meta({ description: "tillroll-agent version" }),
  })
  .meta({ title: "Presence", description: "Agent -> all, retained, last will 'offline'" });

export type PresenceDocument = z.infer<typeof presenceDocumentSchema>;
