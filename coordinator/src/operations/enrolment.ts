import { agentUsername, posUsername } from "../broker/usernames.js";
import { mosquittoPasswordLine } from "../broker-config/mosquitto-password.js";
import type { WorkstationRecord } from "../state/coordinator-state.js";
import type { EnrolResult, OperationsDeps } from "./operations-deps.js";

/**
 * What enrolling (or rekeying) a workstation hands the operator, once: both broker logins
 * and the agent's config with the agent's login, the broker URL and the pinned key(s).
 */
export function enrolmentOf(
  deps: Pick<OperationsDeps, "agentBrokerUrl" | "publicKey" | "nextPublicKey" | "caPem">,
  ws: { store: string; workstation: string; group: string | null },
  password: string,
  posPassword: string,
): EnrolResult {
  const username = agentUsername(ws.store, ws.workstation);
  const next = deps.nextPublicKey ?? null;
  const caPem = deps.caPem ?? null;
  const agentConfig: EnrolResult["agentConfig"] = {
    store: ws.store,
    workstation: ws.workstation,
    ...(ws.group === null ? {} : { group: ws.group }),
    broker: deps.agentBrokerUrl,
    username,
    password,
    root: "/opt/tillroll/functions",
    state: "/var/lib/tillroll",
    coordinatorKey: deps.publicKey,
    ...(next === null ? {} : { coordinatorKeys: [deps.publicKey, next] }),
    readiness: [{ type: "session" }],
    recheckSeconds: 30,
    serviceManager: "process",
    // Relative: the agent resolves it against its config file's folder.
    ...(caPem === null ? {} : { ca: "ca.pem" }),
  };
  return {
    store: ws.store,
    workstation: ws.workstation,
    username,
    password,
    posUsername: posUsername(ws.store, ws.workstation),
    posPassword,
    agentConfig,
    ...(caPem === null ? {} : { caPem }),
  };
}

/**
 * The Mosquitto password-file lines of a workstation's two secrets, kept in
 * its record whenever secrets are issued (enrolment, rekey): the only moment
 * they exist in clear (`tillroll broker-config mosquitto`).
 */
export function mosquittoLinesOf(
  ws: { store: string; workstation: string },
  password: string,
  posPassword: string,
): NonNullable<WorkstationRecord["mosquittoLines"]> {
  return {
    agent: mosquittoPasswordLine(agentUsername(ws.store, ws.workstation), password),
    pos: mosquittoPasswordLine(posUsername(ws.store, ws.workstation), posPassword),
  };
}
