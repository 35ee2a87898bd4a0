import { createHash } from "node:crypto";
import type { Principal } from "./acl.js";
import { generateSecret, hashSecret, verifySecretAsync } from "./credentials.js";
import type { LookupPrincipal } from "./hooks.js";
import { parseWorkstationUsername } from "./usernames.js";

/** The secret hashes the fleet keeps for one workstation. */
export interface WorkstationSecrets {
  agentSecretHash: string;
  posSecretHash: string;
}

export type FindWorkstation = (ref: {
  store: string;
  workstation: string;
}) => WorkstationSecrets | undefined;

/**
 * Resolves broker credentials (`agent.{store}.{ws}` / `pos.{store}.{ws}`,
 * or the legacy `:` form, usernames.ts) to a principal.
 *
 * A successful scrypt check is remembered as a sha256 of the secret, so a
 * reconnect storm of 10,000 tills costs 10,000 fast hashes, not 10,000 scrypt
 * runs (the secrets are 256-bit random values: a slow hash protects nothing,
 * it only slows the broker).
 *
 * A username that names no enrolled workstation still costs one scrypt check,
 * against a hash of a random secret nobody knows: an unknown username and a
 * wrong password take the same time and get the same answer, so the broker
 * does not tell which workstations exist.
 */
export function createPrincipalLookup(findWorkstation: FindWorkstation): LookupPrincipal {
  const verified = new Map<string, { digest: string; hash: string }>();
  const decoy = hashSecret(generateSecret());
  return async (username: string, password: string): Promise<Principal | null> => {
    const named = parseWorkstationUsername(username);
    const record = named === null ? undefined : findWorkstation(named);
    if (named === null || record === undefined) {
      await verifySecretAsync(password, decoy);
      return null;
    }
    const hash = named.kind === "agent" ? record.agentSecretHash : record.posSecretHash;
    const digest = createHash("sha256").update(password).digest("hex");
    // Keyed by principal, not username: the legacy and current forms share it.
    const key = `${named.kind}.${named.store}.${named.workstation}`;
    const known = verified.get(key);
    if (known === undefined || known.hash !== hash || known.digest !== digest) {
      if (!(await verifySecretAsync(password, hash))) return null;
      verified.set(key, { digest, hash });
    }
    return named;
  };
}
