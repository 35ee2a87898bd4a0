import { agentUsername, posUsername } from "../broker/usernames.js";
import type { MosquittoAccount } from "../broker-config/mosquitto.js";
import type { WorkstationRecord } from "../state/coordinator-state.js";

/**
 * What `tillroll broker-config mosquitto` needs from the coordinator to write
 * an external Mosquitto's password file and ACL (GET
 * /api/broker-config/mosquitto): every workstation's two accounts with the
 * Mosquitto password lines kept at enrolment, the coordinator's own account
 * when it runs against an external broker, and the TLS files it serves.
 * Only hashes leave the coordinator, never a secret.
 */
export interface MosquittoAccountsAnswer {
  topicRoot: string;
  accounts: MosquittoAccount[];
  /** `store/ws` enrolled before the lines were kept: re-enrol (rekey) them to include them. */
  withoutPasswordLine: string[];
  /**
   * The account of the coordinator's --broker URL (`user:$7$…`), or null
   * when it runs the embedded broker (the command then makes one).
   */
  coordinator: { username: string; passwordLine: string } | null;
  /** The TLS files the coordinator serves (paths on its machine), or null without TLS. */
  tls: { caFile: string | null; certFile: string; keyFile: string } | null;
}

export function mosquittoAccounts(
  workstations: Readonly<Record<string, WorkstationRecord>>,
  context: Omit<MosquittoAccountsAnswer, "accounts" | "withoutPasswordLine">,
): MosquittoAccountsAnswer {
  const accounts: MosquittoAccount[] = [];
  const withoutPasswordLine: string[] = [];
  for (const [key, record] of Object.entries(workstations)) {
    const { store, workstation, mosquittoLines } = record;
    if (mosquittoLines === undefined) {
      withoutPasswordLine.push(key);
      continue;
    }
    accounts.push(
      {
        username: agentUsername(store, workstation),
        principal: { kind: "agent", store, workstation },
        passwordLine: mosquittoLines.agent,
      },
      {
        username: posUsername(store, workstation),
        principal: { kind: "pos", store, workstation },
        passwordLine: mosquittoLines.pos,
      },
    );
  }
  return { ...context, accounts, withoutPasswordLine: withoutPasswordLine.sort() };
}
