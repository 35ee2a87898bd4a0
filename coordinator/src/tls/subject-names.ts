import { isIP } from "node:net";
import { err, ok, type Result } from "@tillroll/protocol";

/**
 * The names a server certificate must carry (subjectAltName): the public host
 * agents dial, plus the loopback names so that the coordinator's own clients,
 * the CLI and tests on the same machine can use TLS too. Pure.
 */

export interface SubjectNames {
  /** DNS names, lower case, e.g. `coordinator.example`, `localhost`. */
  dns: readonly string[];
  /** IP addresses in node's canonical form, e.g. `10.0.0.5`, `::1`. */
  ips: readonly string[];
}

/** Always in a generated certificate: the machine itself. */
export const LOOPBACK_NAMES: SubjectNames = { dns: ["localhost"], ips: ["127.0.0.1", "::1"] };

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * Checks `--public-host` (a DNS name or an IP address, IPv6 with or without
 * brackets) and says which kind it is. A trailing dot is dropped; upper case
 * is folded, as DNS does.
 */
export function parsePublicHost(input: string): Result<SubjectNames> {
  const trimmed = input.trim();
  const unbracketed =
    trimmed.startsWith("[") && trimmed.endsWith("]") ? trimmed.slice(1, -1) : trimmed;
  if (isIP(unbracketed) !== 0) return ok({ dns: [], ips: [unbracketed.toLowerCase()] });
  const name = trimmed.toLowerCase().replace(/\.$/, "");
  if (name.length === 0 || name.length > 253) {
    return err(`public host ${JSON.stringify(input)} must be a host name or an IP address`);
  }
  const labels = name.split(".");
  const bad = labels.find((label) => !LABEL.test(label));
  if (bad !== undefined) {
    return err(
      `public host ${JSON.stringify(input)} is not a valid host name: label ${JSON.stringify(bad)} must be 1-63 letters, digits or "-", not starting or ending with "-"`,
    );
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1] ?? "")) {
    return err(
      `public host ${JSON.stringify(input)} looks like an IP address but is not a valid one`,
    );
  }
  return ok({ dns: [name], ips: [] });
}

/** The public host's names plus the loopback names, without duplicates. */
export function serverNames(publicHost: string): Result<SubjectNames> {
  const parsed = parsePublicHost(publicHost);
  if (!parsed.ok) return parsed;
  return ok(mergeNames(parsed.value, LOOPBACK_NAMES));
}

export function mergeNames(a: SubjectNames, b: SubjectNames): SubjectNames {
  return {
    dns: [...new Set([...a.dns, ...b.dns])],
    ips: [...new Set([...a.ips, ...b.ips])],
  };
}

/** `DNS:a, IP:b`: how messages list names (the form openssl prints). */
export function describeNames(names: SubjectNames): string {
  return [...names.dns.map((d) => `DNS:${d}`), ...names.ips.map((i) => `IP:${i}`)].join(", ");
}

export function isEmptyNames(names: SubjectNames): boolean {
  return names.dns.length === 0 && names.ips.length === 0;
}
