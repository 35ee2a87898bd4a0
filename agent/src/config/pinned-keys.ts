import type { AgentConfig } from "@tillroll/protocol";
import { parsePublicKey, type TrustedKeys, trustedKeys, unwrap } from "@tillroll/protocol";

/** Every pinned coordinator key (`coordinatorKey` and `coordinatorKeys`), without repeats. */
export function pinnedKeys(
  config: Pick<AgentConfig, "coordinatorKey" | "coordinatorKeys">,
): string[] {
  const keys = [
    ...(config.coordinatorKey === undefined ? [] : [config.coordinatorKey]),
    ...(config.coordinatorKeys ?? []),
  ];
  return [...new Set(keys)];
}

/**
 * The keys a desired document may be signed with, by key id. Several during
 * a key rotation: the till trusts the old and the new key until the
 * coordinator has switched, so no till is ever left refusing its updates.
 * (The config schema already checked every key, hence `unwrap`.)
 */
export function trustedKeysOf(
  config: Pick<AgentConfig, "coordinatorKey" | "coordinatorKeys">,
): TrustedKeys {
  return trustedKeys(...pinnedKeys(config).map((key) => unwrap(parsePublicKey(key))));
}
