import type { MqttClient } from "mqtt";

/**
 * Reads the message a broker retains on one topic (MQTT 3.1.1 §3.3.1.3: a
 * SUBSCRIBE is answered with the retained message of every matching topic),
 * then unsubscribes. Works the same with the embedded broker and an external
 * one. Resolves with null when the broker holds nothing there: it sends the
 * retained message right after the SUBACK, so a short wait after it is
 * enough on loopback and in a LAN.
 */
export async function readRetained(
  client: MqttClient,
  topic: string,
  waitMs = 1000,
): Promise<Buffer | null> {
  let found: Buffer | null = null;
  let wake: () => void = () => undefined;
  const arrived = new Promise<void>((resolve) => {
    wake = resolve;
  });
  const onMessage = (received: string, payload: Buffer, packet: { retain?: boolean }) => {
    // Only the retained copy counts (a live publish arriving meanwhile is newer anyway).
    if (received !== topic || payload.length === 0) return;
    if (packet.retain === true || found === null) found = payload;
    wake();
  };
  client.on("message", onMessage);
  try {
    await client.subscribeAsync(topic, { qos: 1 });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      arrived,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, waitMs);
      }),
    ]);
    clearTimeout(timer);
    return found;
  } finally {
    client.off("message", onMessage);
    await client.unsubscribeAsync(topic).catch(() => undefined);
  }
}
