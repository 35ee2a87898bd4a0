import type { TlsChoice } from "../setup/tls-setup.js";
import { UsageError } from "./console-client.js";
import type { CliValues } from "./options.js";

/**
 * The coordinator's TLS flags, checked together: `--tls` (generated) or
 * `--tls-cert` with `--tls-key` (and optionally `--tls-ca`); the plain-text
 * flags only with TLS and --allow-plaintext. Undefined: no TLS.
 */
export function tlsChoice(values: CliValues): TlsChoice | undefined {
  const cert = values["tls-cert"];
  const key = values["tls-key"];
  const ca = values["tls-ca"];
  const own = cert !== undefined || key !== undefined || ca !== undefined;
  if (values.tls === true && own) {
    throw new UsageError(
      "--tls generates a certificate; --tls-cert/--tls-key/--tls-ca use your own: give one or the other",
    );
  }
  let choice: TlsChoice | undefined;
  if (values.tls === true) choice = { kind: "generated" };
  else if (own) {
    if (cert === undefined || key === undefined)
      throw new UsageError(
        "--tls-cert FILE and --tls-key FILE go together (--tls-ca FILE is optional)",
      );
    choice = { kind: "operator", certFile: cert, keyFile: key, caFile: ca };
  }
  if (choice === undefined) {
    for (const flag of ["allow-plaintext", "plain-mqtt-port", "plain-http-port"] as const) {
      if (values[flag] !== undefined)
        throw new UsageError(
          `--${flag} is for a coordinator with TLS (--tls or --tls-cert/--tls-key)`,
        );
    }
  } else if (values["allow-plaintext"] !== true) {
    for (const flag of ["plain-mqtt-port", "plain-http-port"] as const) {
      if (values[flag] !== undefined)
        throw new UsageError(
          `--${flag} needs --allow-plaintext (plain-text listeners are off with TLS)`,
        );
    }
  }
  return choice;
}
