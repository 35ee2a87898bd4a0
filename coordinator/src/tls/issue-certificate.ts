import { generateKeyPair, randomBytes } from "node:crypto";
import forge from "node-forge";
import type { SubjectNames } from "./subject-names.js";

/**
 * Creating X.509 certificates, which node cannot do by itself: node-forge
 * builds and signs them; keys come from node's own (native) generator.
 * Everything here is in memory; certificates.ts decides what to create and
 * writes it. Keys are RSA because node-forge signs only with RSA; every
 * client we have (node, Mosquitto, OpenSSL) takes RSA.
 */

/** Key sizes: NIST SP 800-57 rates 2048 bits fine to 2030, 3072 beyond; the CA lives 10 years. */
export const CA_KEY_BITS = 3072;
export const SERVER_KEY_BITS = 2048;

/** A new RSA private key, PKCS#8 PEM, generated off the event loop. */
export function generateRsaKey(bits: number): Promise<string> {
  return new Promise((resolve, reject) => {
    generateKeyPair(
      "rsa",
      {
        modulusLength: bits,
        publicExponent: 0x10001,
        privateKeyEncoding: { type: "pkcs8", format: "pem" },
        publicKeyEncoding: { type: "spki", format: "pem" },
      },
      (error, _publicKey, privateKey) => (error ? reject(error) : resolve(privateKey)),
    );
  });
}

export interface Validity {
  notBefore: Date;
  notAfter: Date;
}

export interface CaSpec extends Validity {
  keyPem: string;
  commonName: string;
}

export interface ServerSpec extends Validity {
  /** The server's private key; its public half goes into the certificate. */
  keyPem: string;
  commonName: string;
  names: SubjectNames;
  ca: { certPem: string; keyPem: string };
}

/** A self-signed CA certificate that may sign server certificates only (pathLen 0). */
export function issueCaCertificate(spec: CaSpec): string {
  const key = rsaKey(spec.keyPem);
  const cert = forge.pki.createCertificate();
  const subject = [{ shortName: "CN", value: spec.commonName }];
  fill(cert, key, spec);
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: "basicConstraints", critical: true, cA: true, pathLenConstraint: 0 },
    { name: "keyUsage", critical: true, keyCertSign: true, cRLSign: true },
    { name: "subjectKeyIdentifier" },
  ]);
  cert.sign(key, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

/** A TLS server certificate for `names`, signed by the CA. */
export function issueServerCertificate(spec: ServerSpec): string {
  const key = rsaKey(spec.keyPem);
  const caCert = forge.pki.certificateFromPem(spec.ca.certPem);
  const caKey = rsaKey(spec.ca.keyPem);
  const cert = forge.pki.createCertificate();
  fill(cert, key, spec);
  cert.setSubject([{ shortName: "CN", value: spec.commonName }]);
  cert.setIssuer(caCert.subject.attributes);
  const altNames = [
    ...spec.names.dns.map((value) => ({ type: 2, value })),
    ...spec.names.ips.map((ip) => ({ type: 7, ip })),
  ];
  cert.setExtensions([
    { name: "basicConstraints", critical: true, cA: false },
    { name: "keyUsage", critical: true, digitalSignature: true, keyEncipherment: true },
    { name: "extKeyUsage", serverAuth: true },
    // RFC 6125: clients match the host against subjectAltName, never the CN.
    { name: "subjectAltName", altNames },
    { name: "subjectKeyIdentifier" },
    {
      name: "authorityKeyIdentifier",
      keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes(),
    },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

function fill(
  cert: forge.pki.Certificate,
  key: forge.pki.rsa.PrivateKey,
  validity: Validity,
): void {
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = validity.notBefore;
  cert.validity.notAfter = validity.notAfter;
}

/** 128 random bits, positive (DER INTEGER, top bit clear), as RFC 5280 §4.1.2.2 asks. */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return bytes.toString("hex");
}

function rsaKey(pem: string): forge.pki.rsa.PrivateKey {
  const key = forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
  if (key === null || typeof key !== "object" || !("n" in key)) {
    throw new Error("the private key is not an RSA key");
  }
  return key;
}
