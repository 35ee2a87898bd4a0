// A POS as its own process, so a test can kill it with SIGKILL: it connects
// with its `pos` presence `offline` armed as the last will (seq above the
// online one, as PROTOCOL.md asks), publishes `online` and its session
// retained, then prints "ready" and waits to be killed.
// Usage: node pos-process.mjs BROKER_URL USER PASS ROOT STORE WS USERS TRANSACTION
import { connect } from "mqtt";

const [url, username, password, root, store, ws, users, transaction] = process.argv.slice(2);
const base = `${root}/ws/${store}/${ws}`;
const seq = Date.now();
const doc = (kind, fields) =>
  JSON.stringify({ schema: 1, seq: seq + kind, ts: new Date().toISOString(), ...fields });
const client = connect(url, {
  protocolVersion: 4,
  clean: true,
  clientId: `pos-${store}-${ws}-${process.pid}`.slice(0, 23),
  username,
  password,
  reconnectPeriod: 0,
  will: { topic: `${base}/pos`, payload: doc(2, { state: "offline" }), qos: 1, retain: true },
});
client.on("error", (error) => {
  process.stderr.write(`pos: ${error.message}\n`);
  process.exit(2);
});
client.on("connect", async () => {
  await client.publishAsync(`${base}/pos`, doc(0, { state: "online" }), { qos: 1, retain: true });
  const session = doc(1, {
    users: users === "" ? [] : users.split(","),
    transactionInProgress: transaction === "true",
  });
  await client.publishAsync(`${base}/session`, session, { qos: 1, retain: true });
  process.stdout.write("ready\n");
});
