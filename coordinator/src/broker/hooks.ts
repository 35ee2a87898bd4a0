import { createHash, timingSafeEqual } from "node:crypto";
import type { AedesOptions, AuthenticateError, Client } from "aedes";
import {
  type AclDecision,
  describePrincipal,
  mayPublish,
  maySubscribe,
  type Principal,
  validatePrincipal,
} from "./acl.js";
import { type ClientIdOwners, checkClientId } from "./client-ids.js";
import type { LoginOutcome, LoginThrottle } from "./login-throttle.js";

/**
 * The aedes hooks that enforce who may connect, publish and subscribe. Each
 * policy names the MQTT 3.1.1 clause that lets a server refuse that way
 * (OASIS mqtt-v3.1.1-os). aedes 1.2 calls: preConnect → authenticate on
 * CONNECT; authorizePublish on every PUBLISH and on each last will before it
 * is published; authorizeSubscribe on every SUBSCRIBE filter and on each
 * subscription restored from a persistent session; authorizeForward before
 * each message goes out to a client.
 */

export type BrokerLog = (message: string) => void;

export type LookupPrincipal = (username: string, password: string) => Promise<Principal | null>;

/** Username and password a client presents in CONNECT (§3.1.3.4, §3.1.3.5). */
export interface BrokerCredentials {
  username: string;
  password: string;
}

export interface HookOptions {
  topicRoot: string;
  lookupPrincipal: LookupPrincipal;
  maxPayloadBytes: number;
  /** The coordinator's own in-process account; its username is reserved. */
  coordinator: BrokerCredentials;
  /** Who holds which client id and persistent session (cap per principal). */
  owners: ClientIdOwners;
  /** Slows failed logins per username and address. */
  throttle: LoginThrottle;
  /** Clock (ms) for the throttle and session expiry. */
  now: () => number;
  log: BrokerLog;
}

export type BrokerHooks = Required<
  Pick<
    AedesOptions,
    "preConnect" | "authenticate" | "authorizePublish" | "authorizeSubscribe" | "authorizeForward"
  >
>;

/** A refusal the hooks already logged; the broker does not log it again. */
export class BrokerRefusal extends Error {
  override name = "BrokerRefusal";
}

/** The parts of a CONNECT's last will the hooks check (§3.1.3.2, §3.1.3.3). */
interface Will {
  topic: string;
  payload: Buffer | string;
}

const PRINCIPAL = Symbol("tillroll.principal");
type WithPrincipal = { [PRINCIPAL]?: Principal };

/** The principal a connected client authenticated as, or null (not authenticated, or no client). */
export function principalOf(client: Client | null): Principal | null {
  if (client === null) return null;
  return (client as unknown as WithPrincipal)[PRINCIPAL] ?? null;
}

function setPrincipal(client: Client, principal: Principal): void {
  (client as unknown as WithPrincipal)[PRINCIPAL] = principal;
}

/** CONNECT return codes of MQTT 3.1.1 §3.2.2.3 (Table 3.1). */
const IDENTIFIER_REJECTED = 2;
const SERVER_UNAVAILABLE = 3;
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

function connackRefusal(returnCode: number, message: string): AuthenticateError {
  return Object.assign(new BrokerRefusal(message), { returnCode }) as unknown as AuthenticateError;
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

export function createBrokerHooks(options: HookOptions): BrokerHooks {
  const { topicRoot: root, lookupPrincipal, maxPayloadBytes, owners, throttle, now, log } = options;
  const coordinatorSecret = digest(options.coordinator.password);
  /** What preConnect saw in CONNECT, for authenticate: the raw client id and the will. */
  const connects = new WeakMap<Client, { clientId: string; will: Will | null }>();

  function addressOf(client: Client): string {
    const address = "remoteAddress" in client.conn ? client.conn.remoteAddress : undefined;
    return address ?? "?";
  }

  function peer(client: Client | null): string {
    if (client === null) return "no client (a will left by another broker)";
    return `client ${JSON.stringify(client.id ?? "")} from ${addressOf(client)}`;
  }

  /**
   * Owns the client id from now until the connection closes. Recorded here,
   * not on aedes's `client` event, so that parallel CONNECTs of one principal
   * cannot all pass the session cap before any of them is counted; the
   * socket's close covers every way a connection ends, registered or not.
   */
  function register(client: Client, principal: Principal): void {
    owners.connect(principal, client.id, client.clean, client);
    const release = () => owners.disconnect(client.id, client, now());
    if ((client.conn as { closed?: boolean }).closed === true) release();
    else client.conn.once("close", release);
  }

  async function resolvePrincipal(username: string, password: string): Promise<Principal | null> {
    // The coordinator's own account is checked here and never handed to
    // lookupPrincipal, so the fleet store cannot shadow it. Comparing digests
    // keeps the comparison constant-time and the lengths equal.
    if (username === options.coordinator.username) {
      return timingSafeEqual(digest(password), coordinatorSecret) ? { kind: "coordinator" } : null;
    }
    return lookupPrincipal(username, password);
  }

  /** Payload bytes as they travel (§3.3.3: the payload is application bytes). */
  function payloadBytes(payload: Buffer | string | undefined): number {
    if (payload === undefined) return 0;
    return typeof payload === "string" ? Buffer.byteLength(payload, "utf8") : payload.length;
  }

  /** ACL and size check for a publish (or a will), as one decision. */
  function publishDecision(
    principal: Principal,
    topic: string,
    payload: Buffer | string | undefined,
  ): AclDecision {
    const decision = mayPublish(principal, topic, root);
    if (!decision.allowed) return decision;
    const bytes = payloadBytes(payload);
    if (bytes > maxPayloadBytes) {
      return {
        allowed: false,
        reason: `${describePrincipal(principal)} may not publish ${bytes} bytes to ${JSON.stringify(topic)}: payloads are limited to ${maxPayloadBytes} bytes`,
      };
    }
    return decision;
  }

  return {
    preConnect(client, packet, callback) {
      connects.set(client, {
        clientId: packet.clientId ?? "",
        will: packet.will ?? null,
      });
      callback(null, true);
    },

    authenticate(client, username, password, done) {
      const connect = connects.get(client) ?? { clientId: client.id, will: null };
      connects.delete(client);
      const address = addressOf(client);
      const refuse = (returnCode: number, message: string, detail: string) => {
        log(`broker: refused CONNECT of ${peer(client)}: ${detail}`);
        done(connackRefusal(returnCode, message), false);
      };
      // Failed logins are slowed per username and per address (login-throttle.ts)
      // before the credentials are looked at: the wait says nothing about them.
      const admission = throttle.admit(username ?? "", address, now());
      if (!admission.admitted) {
        refuse(
          SERVER_UNAVAILABLE,
          "server unavailable",
          `login throttled after repeated failures for ${JSON.stringify(username ?? "")} or from ${address} (next attempt in ${Math.ceil(admission.waitMs / 1000)} s)`,
        );
        return;
      }
      const { ticket } = admission;
      const settle = (outcome: LoginOutcome) => throttle.settle(ticket, outcome, now());
      const check = () => {
        // §3.1.3.4/§3.1.3.5: every party authenticates with username and
        // password; a missing or wrong pair gets 0x04 (§3.2.2.3), and the server
        // closes the connection after a non-zero CONNACK (MQTT-3.2.2-5).
        if (username === undefined || password === undefined) {
          settle("failure");
          refuse(BAD_USERNAME_OR_PASSWORD, "bad username or password", "no username or password");
          return;
        }
        Promise.resolve()
          .then(() => resolvePrincipal(username, password.toString("utf8")))
          .then(
            (found) => {
              if (found === null) {
                settle("failure");
                refuse(
                  BAD_USERNAME_OR_PASSWORD,
                  "bad username or password",
                  `bad username or password for ${JSON.stringify(username)}`,
                );
                return;
              }
              // The password was right: whatever follows is no guess.
              settle("success");
              const valid = validatePrincipal(found);
              if (!valid.ok) {
                refuse(NOT_AUTHORIZED, "not authorized", valid.error);
                return;
              }
              const principal = valid.value;
              // §3.1.3.1 lets the server refuse a client id with 0x02; see client-ids.ts.
              for (const decision of [
                checkClientId(principal, connect.clientId, client.clean),
                owners.check(principal, client.id, client.clean),
              ]) {
                if (!decision.allowed) {
                  refuse(IDENTIFIER_REJECTED, "identifier rejected", decision.reason);
                  return;
                }
              }
              // §3.1.2.5: the will is a PUBLISH the server makes for the client
              // later. One the client could not publish itself is refused now,
              // with 0x05 "not authorized" (§3.2.2.3), instead of silently
              // dropped when the connection breaks.
              if (connect.will !== null) {
                const decision = publishDecision(
                  principal,
                  connect.will.topic,
                  connect.will.payload,
                );
                if (!decision.allowed) {
                  refuse(NOT_AUTHORIZED, "not authorized", `last will: ${decision.reason}`);
                  return;
                }
              }
              setPrincipal(client, principal);
              register(client, principal);
              done(null, true);
            },
            (error: unknown) => {
              // The fleet store failed, not the client: 0x03 "server unavailable"
              // (§3.2.2.3) tells it to come back later rather than that its
              // credentials are wrong.
              settle("neutral");
              const message = error instanceof Error ? error.message : String(error);
              refuse(
                SERVER_UNAVAILABLE,
                "server unavailable",
                `principal lookup failed: ${message}`,
              );
            },
          );
      };
      if (admission.waitMs <= 0) check();
      else setTimeout(check, admission.waitMs).unref();
    },

    authorizePublish(client, packet, callback) {
      // MQTT 3.1.1 has no negative PUBACK: a server that does not authorize a
      // PUBLISH must acknowledge it positively or close the network connection
      // (§3.3.5, MQTT-3.3.5-2). aedes closes the connection on an error here,
      // so the message reaches nobody and the client learns it was refused.
      // The same holds for payloads above the limit: MQTT 3.1.1 cannot
      // announce a maximum packet size (§2.2.3 allows up to 256 MB), so
      // closing the connection is the only refusal. For a last will (client
      // set, connection already gone) an error means the will is dropped;
      // `client` null is a will left over from another broker instance,
      // whose principal is unknown.
      const principal = principalOf(client);
      if (principal === null) {
        const reason = `unauthenticated publish to ${JSON.stringify(packet.topic)} refused`;
        log(`broker: ${reason}`);
        callback(new BrokerRefusal(reason));
        return;
      }
      const decision = publishDecision(principal, packet.topic, packet.payload);
      if (!decision.allowed) {
        log(
          `broker: refused PUBLISH of ${peer(client)}, closing its connection: ${decision.reason}`,
        );
        callback(new BrokerRefusal(decision.reason));
        return;
      }
      callback(null);
    },

    authorizeSubscribe(client, subscription, callback) {
      // The server must answer every SUBSCRIBE with a SUBACK (§3.8.4,
      // MQTT-3.8.4-1); a refused filter gets return code 0x80 "Failure" in it
      // (§3.9.3). aedes sends 0x80 when the hook passes a null subscription.
      // The client stays connected and keeps its other subscriptions. Filters
      // restored from a persistent session pass here too, so a session cannot
      // carry a subscription its owner may not make.
      const principal = principalOf(client);
      const decision: AclDecision =
        principal === null
          ? {
              allowed: false,
              reason: `unauthenticated subscribe to ${JSON.stringify(subscription.topic)}`,
            }
          : maySubscribe(principal, subscription.topic, root);
      if (!decision.allowed) {
        log(`broker: refused subscription of ${peer(client)}: ${decision.reason}`);
        callback(null, null);
        return;
      }
      callback(null, subscription);
    },

    authorizeForward(client, packet) {
      // Defence in depth: whatever reached a client's session (queued QoS 1
      // messages of a persistent session, messages published in-process
      // through aedes.publish), a client receives only topics it may read.
      const principal = principalOf(client);
      if (principal !== null && maySubscribe(principal, packet.topic, root).allowed) return packet;
      log(`broker: not forwarding ${JSON.stringify(packet.topic)} to ${peer(client)}`);
      return null;
    },
  };
}
