import {
  DEFAULT_TOPIC_ROOT,
  encodePayload,
  type SessionDocument,
  topicFor,
} from "@tillroll/protocol";
import { closeClient, connectClient, publishQos1 } from "./mqtt-client.js";

/**
 * A POS as PROTOCOL.md asks one to behave: it publishes its whole session
 * (logged-in users, open transaction) retained at QoS 1 with a growing seq.
 * The agent must not stop a service under a cashier, so tests drive Not
 * Ready and its recovery through this.
 */

export interface Pos {
  /** The session topic of this till. */
  topic: string;
  /** Publishes the session and waits for PUBACK; returns the document sent. */
  setSession(users: string[], transactionInProgress: boolean): Promise<SessionDocument>;
  close(): Promise<void>;
}

export async function createPos(options: {
  brokerUrl: string;
  store: string;
  workstation: string;
  root?: string;
}): Promise<Pos> {
  const topic = topicFor(
    "session",
    { store: options.store, workstation: options.workstation },
    options.root ?? DEFAULT_TOPIC_ROOT,
  );
  const client = await connectClient(options.brokerUrl, "pos");
  let lastSeq = 0;

  return {
    topic,
    async setSession(users, transactionInProgress) {
      // Clock-derived like the protocol suggests, so a second Pos for the same
      // till (a "restarted POS") still publishes above the first one's seqs.
      const seq = Math.max(lastSeq + 1, Date.now());
      lastSeq = seq;
      const doc: SessionDocument = {
        schema: 1,
        seq,
        ts: new Date().toISOString(),
        users,
        transactionInProgress,
      };
      const encoded = encodePayload("session", doc);
      if (!encoded.ok) throw new Error(`setSession: ${encoded.error}`);
      await publishQos1(client, topic, encoded.value, true);
      return doc;
    },
    close: () => closeClient(client),
  };
}
