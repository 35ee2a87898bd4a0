import { join } from "node:path";
import { loadOperatorTls, loadOrCreateTls, type TlsMaterial } from "../tls/certificates.js";
import { StartupError } from "./startup-error.js";

/**
 * How the coordinator serves TLS: `--tls` (a CA and server certificate
 * generated under DATA/tls/) or `--tls-cert/--tls-key [--tls-ca]` (the
 * operator's own).
 */
export type TlsChoice =
  | { kind: "generated" }
  | { kind: "operator"; certFile: string; keyFile: string; caFile?: string | undefined };

/**
 * The TLS material for this start, its changes and warnings logged. A
 * problem with it (a file unreadable, a key that does not match, a
 * certificate without --public-host's name) stops the start as one line.
 */
export async function loadCoordinatorTls(
  choice: TlsChoice,
  options: {
    dataDir: string;
    /** Given only when the operator named it (a bought certificate need not name --host). */
    publicHost: string | undefined;
    /** The name agents dial; for the generated server certificate. */
    agentHost: string;
    now: () => number;
    log: (line: string) => void;
  },
): Promise<TlsMaterial> {
  const loaded =
    choice.kind === "generated"
      ? await loadOrCreateTls({
          dir: join(options.dataDir, "tls"),
          publicHost: options.agentHost,
          now: options.now,
        })
      : await loadOperatorTls({
          certFile: choice.certFile,
          keyFile: choice.keyFile,
          caFile: choice.caFile,
          publicHost: options.publicHost,
          now: options.now,
        });
  if (!loaded.ok) throw new StartupError(`TLS: ${loaded.error}`);
  const material = loaded.value;
  for (const change of material.changes) options.log(`tls: ${change}`);
  for (const warning of material.warnings) options.log(`tls: warning: ${warning}`);
  options.log(
    `tls: serving ${material.source === "generated" ? "the generated" : "the operator's"} certificate ${material.certPath} (SHA-256 ${material.fingerprint256}, valid until ${material.notAfter.toISOString()})${material.caPath === null ? "" : `, CA ${material.caPath}`}`,
  );
  return material;
}
