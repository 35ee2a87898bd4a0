import { LoginLimiter } from "./login-limiter.js";
import type { OperatorPersistence } from "./operator-record.js";
import { BOOTSTRAP_ADMIN_NAME, OperatorDirectory } from "./operators.js";
import type { ScryptParams } from "./secrets.js";
import type { WebSessionStore } from "./web-sessions.js";

export interface Accounts {
  directory: OperatorDirectory;
  sessions: WebSessionStore;
  limiter: LoginLimiter;
}

/**
 * The coordinator's operators (kept by the store's `operators`: `DATA/operators.json`
 * or a database), its web sessions (kept by the store too: in memory, or in
 * the database every replica shares) and one login limiter. On first start the platform admin `admin` is
 * created with the existing `DATA/operator-token` as its API token (scripts
 * written before operators existed keep working); its password is logged
 * once, like the token's path, and never again.
 */
export async function openAccounts(options: {
  /** Where the operators are kept (the coordinator's store). */
  operators: OperatorPersistence;
  /** Where web console sessions are kept (the coordinator's store). */
  sessions: WebSessionStore;
  operatorToken: string;
  now: () => number;
  log: (message: string) => void;
  passwordParams?: ScryptParams | undefined;
}): Promise<Accounts> {
  const directory = await OperatorDirectory.open(options.operators, {
    now: () => new Date(options.now()),
    ...(options.passwordParams === undefined ? {} : { passwordParams: options.passwordParams }),
  });
  const bootstrap = await directory.bootstrapAdmin(options.operatorToken);
  if (bootstrap.created)
    options.log(
      `created the platform admin "${BOOTSTRAP_ADMIN_NAME}": its API token is DATA/operator-token, its password (shown once, for \`tillroll login\` and the web console) is ${bootstrap.password}`,
    );
  return {
    directory,
    sessions: options.sessions,
    limiter: new LoginLimiter({ now: options.now }),
  };
}
