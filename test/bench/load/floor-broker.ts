/**
 * The floor's broker: the coordinator's own embedded aedes broker (same
 * persistence, same hooks), in its own process, without the coordinator.
 * Agents are admitted by user name alone. Prints `{url, username, password}`
 * of the in-process coordinator account on stdout, then runs until killed.
 */
import { parseWorkstationUsername, startEmbeddedBroker } from "@tillroll/coordinator";

const broker = await startEmbeddedBroker({
  port: 0,
  topicRoot: "tillroll/v1",
  lookupPrincipal: async (username) => {
    const named = parseWorkstationUsername(username);
    return named?.kind === "agent" ? named : null;
  },
});
process.stdout.write(`${JSON.stringify({ url: broker.url, ...broker.coordinatorCredentials })}\n`);
process.on("SIGTERM", () => {
  void broker.close().then(() => process.exit(0));
});
