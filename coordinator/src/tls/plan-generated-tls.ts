import { err, ok, type Result } from "@tillroll/protocol";
import { describeNames, isEmptyNames, type SubjectNames } from "./subject-names.js";

/**
 * What a start with `--tls` must create or renew under DATA/tls/, decided
 * from what is there. Pure: certificates.ts gathers the facts and carries
 * the plan out.
 *
 * Rules. Key material is never overwritten: a key is only ever created where
 * none exists. The CA is never renewed: agents pin ca.pem, so a new CA means
 * handing every till a new config; an expired or broken CA is an error for a
 * person to decide. The server certificate is ours to reissue (for the same
 * server.key) when it nears expiry or no longer names the public host.
 */

const DAY_MS = 24 * 60 * 60 * 1000;
export const CA_VALIDITY_DAYS = 3650;
/** About two years; 825 days is the most browsers accept for a server certificate. */
export const SERVER_VALIDITY_DAYS = 825;
/** Reissue the server certificate at the first start within this many days of its end. */
export const RENEW_BEFORE_DAYS = 30;
/** Warn when the CA has this little left: its replacement needs every till touched. */
export const CA_WARN_BEFORE_DAYS = 180;
/**
 * Certificates start a day in the past: a till whose clock is a few hours
 * behind must not see the coordinator's fresh certificate as "not yet valid".
 */
export const BACKDATE_MS = DAY_MS;

export interface CertFacts {
  notBefore: number;
  notAfter: number;
}

export interface GeneratedTlsFacts {
  now: number;
  /** Names the server certificate must carry. */
  wanted: SubjectNames;
  files: { caCert: string; caKey: string; serverCert: string; serverKey: string };
  ca: { cert: CertFacts | null; keyPresent: boolean; keyMatches: boolean };
  server: {
    cert: (CertFacts & { issuedByCa: boolean; missing: SubjectNames }) | null;
    keyPresent: boolean;
    keyMatches: boolean;
  };
}

export interface GeneratedTlsPlan {
  createCaKey: boolean;
  /** Issue ca.pem for ca.key (first start, or ca.pem lost before it was written). */
  issueCa: boolean;
  createServerKey: boolean;
  /** Why server.pem is (re)issued, or null to keep it. */
  issueServer: string | null;
  warnings: string[];
}

export function planGeneratedTls(facts: GeneratedTlsFacts): Result<GeneratedTlsPlan> {
  const { now, files, ca, server } = facts;
  const warnings: string[] = [];
  if (ca.cert !== null && !ca.keyPresent) {
    return err(
      `${files.caKey} is missing but ${files.caCert} exists: without the CA key no server certificate can be issued; restore ${files.caKey} from the backup (starting a new CA means giving every till the new ca.pem)`,
    );
  }
  if (ca.cert !== null && !ca.keyMatches) {
    return err(`${files.caKey} is not the private key of the CA certificate in ${files.caCert}`);
  }
  if (ca.cert !== null && ca.cert.notAfter <= now) {
    return err(
      `${files.caCert}: the CA certificate expired on ${iso(ca.cert.notAfter)}; a CA is never renewed automatically (every till pins it): move ${files.caCert} and ${files.caKey} away to create a new CA, then give every till the new ca.pem`,
    );
  }
  if (ca.cert !== null && ca.cert.notAfter - now < CA_WARN_BEFORE_DAYS * DAY_MS) {
    warnings.push(
      `${files.caCert}: the CA certificate expires on ${iso(ca.cert.notAfter)}; plan a new CA and new agent configs before then`,
    );
  }
  const createCaKey = !ca.keyPresent;
  const issueCa = ca.cert === null;

  if (server.cert !== null && server.keyPresent && !server.keyMatches) {
    return err(
      `${files.serverKey} is not the private key of the certificate in ${files.serverCert} (they do not match); remove ${files.serverCert} to have it reissued for ${files.serverKey}`,
    );
  }
  if (server.cert !== null && server.keyPresent && !issueCa && !server.cert.issuedByCa) {
    return err(
      `${files.serverCert} was not issued by the CA in ${files.caCert}; to use a certificate of your own give --tls-cert and --tls-key, or remove ${files.serverCert} to have it reissued`,
    );
  }
  const createServerKey = !server.keyPresent;
  return ok({
    createCaKey,
    issueCa,
    createServerKey,
    issueServer: serverIssueReason(facts, issueCa || createServerKey),
    warnings,
  });
}

function serverIssueReason(facts: GeneratedTlsFacts, keysChanged: boolean): string | null {
  const { now, files, server } = facts;
  if (server.cert === null) return `${files.serverCert} does not exist yet`;
  if (keysChanged) return `${files.serverCert} belongs to a key or CA created just now`;
  if (!isEmptyNames(server.cert.missing)) {
    return `${files.serverCert} does not name ${describeNames(server.cert.missing)}`;
  }
  if (server.cert.notAfter - now < RENEW_BEFORE_DAYS * DAY_MS) {
    const ended = server.cert.notAfter <= now ? "expired on" : "expires on";
    return `${files.serverCert} ${ended} ${iso(server.cert.notAfter)}`;
  }
  return null;
}

/** The validity of a server certificate issued at `now`: never beyond its CA. */
export function serverValidity(
  now: number,
  caNotAfter: number,
): { notBefore: Date; notAfter: Date } {
  return {
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(Math.min(now + SERVER_VALIDITY_DAYS * DAY_MS, caNotAfter)),
  };
}

export function caValidity(now: number): { notBefore: Date; notAfter: Date } {
  return {
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(now + CA_VALIDITY_DAYS * DAY_MS),
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
