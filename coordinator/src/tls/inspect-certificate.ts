import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { err, ok, type Result } from "@tillroll/protocol";
import type { SubjectNames } from "./subject-names.js";

/**
 * Reading certificates and keys back with node's own X.509 parser, and the
 * checks a start makes on them. Every error names the file it is about.
 */

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Every certificate in a PEM file, leaf first (the order TLS sends a chain in). */
export function parseCertificates(text: string, file: string): Result<X509Certificate[]> {
  const blocks = text.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0)
    return err(`${file}: no PEM certificate in it (-----BEGIN CERTIFICATE-----)`);
  const certificates: X509Certificate[] = [];
  for (const [index, block] of blocks.entries()) {
    try {
      certificates.push(new X509Certificate(block));
    } catch (error) {
      const which = blocks.length > 1 ? ` (certificate ${index + 1} of ${blocks.length})` : "";
      return err(`${file}: not a readable X.509 certificate${which}: ${reason(error)}`);
    }
  }
  return ok(certificates);
}

export function parsePrivateKey(text: string, file: string): Result<KeyObject> {
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
    return err(`${file}: no PEM private key in it (-----BEGIN PRIVATE KEY-----)`);
  }
  if (text.includes("ENCRYPTED")) {
    return err(`${file}: the private key is encrypted; give an unencrypted key (mode 0600)`);
  }
  try {
    return ok(createPrivateKey(text));
  } catch (error) {
    return err(`${file}: not a readable private key: ${reason(error)}`);
  }
}

/** The certificate's public key is the one of `key`. */
export function checkKeyPair(
  cert: X509Certificate,
  certFile: string,
  key: KeyObject,
  keyFile: string,
): Result<true> {
  let matches = false;
  try {
    matches = cert.checkPrivateKey(key);
  } catch {
    matches = false;
  }
  return matches
    ? ok(true)
    : err(
        `${keyFile} is not the private key of the certificate in ${certFile} (they do not match)`,
      );
}

export function notAfter(cert: X509Certificate): Date {
  return new Date(cert.validTo);
}

export function notBefore(cert: X509Certificate): Date {
  return new Date(cert.validFrom);
}

/** Refuses a certificate outside its validity period at `now`. */
export function checkValidAt(cert: X509Certificate, file: string, now: number): Result<true> {
  if (notAfter(cert).getTime() <= now) {
    return err(`${file}: the certificate expired on ${notAfter(cert).toISOString()}`);
  }
  if (notBefore(cert).getTime() > now) {
    return err(
      `${file}: the certificate is not valid before ${notBefore(cert).toISOString()} (is the clock right?)`,
    );
  }
  return ok(true);
}

/** The names of `wanted` the certificate's subjectAltName does not cover (wildcards count). */
export function missingNames(cert: X509Certificate, wanted: SubjectNames): SubjectNames {
  return {
    // subject "never": RFC 6125 clients ignore the CN when there is a subjectAltName.
    dns: wanted.dns.filter((name) => cert.checkHost(name, { subject: "never" }) === undefined),
    ips: wanted.ips.filter((ip) => cert.checkIP(ip) === undefined),
  };
}

/** `issuer` signed `cert` (names chain and the signature verifies). */
export function isIssuedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

function reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^error:[0-9A-F]+:/, "").trim() || "unreadable";
}
