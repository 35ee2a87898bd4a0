import { createHash, createPublicKey, type KeyObject, type X509Certificate } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { err, ok, type Result } from "@tillroll/protocol";
import { readTextIfExists, writeFileDurably } from "../files/durable-file.js";
import {
  checkKeyPair,
  checkValidAt,
  isIssuedBy,
  missingNames,
  notAfter,
  notBefore,
  parseCertificates,
  parsePrivateKey,
} from "./inspect-certificate.js";
import {
  CA_KEY_BITS,
  generateRsaKey,
  issueCaCertificate,
  issueServerCertificate,
  SERVER_KEY_BITS,
} from "./issue-certificate.js";
import {
  caValidity,
  type GeneratedTlsFacts,
  planGeneratedTls,
  serverValidity,
} from "./plan-generated-tls.js";
import {
  describeNames,
  isEmptyNames,
  parsePublicHost,
  type SubjectNames,
  serverNames,
} from "./subject-names.js";

/**
 * The coordinator's TLS material: either generated under DATA/tls/ (a
 * private CA and a server certificate for --public-host, created on the first
 * start with --tls, checked and if need be renewed on every later one), or
 * the operator's own (--tls-cert / --tls-key), checked on every start.
 */

export interface TlsMaterial {
  source: "generated" | "operator";
  /**
   * The CA agents pin (the `ca` of their config); null for an operator's
   * certificate given without --tls-ca, which agents then check against
   * their system's CAs.
   */
  caPem: string | null;
  /** The server certificate, then any chain certificates (as TLS sends them). */
  certPem: string;
  keyPem: string;
  caPath: string | null;
  certPath: string;
  keyPath: string;
  /** Expiry of the server certificate; renewal happens at a start (RENEW_BEFORE_DAYS). */
  notAfter: Date;
  /** SHA-256 fingerprint of the server certificate, `AB:CD:…`, for logs. */
  fingerprint256: string;
  /** One line per file created or renewed on this start, for the start log. */
  changes: string[];
  /** Conditions an operator should act on (a CA near its end). */
  warnings: string[];
}

/** The generated files, under DATA/tls/. */
export function tlsPaths(tlsDir: string) {
  return {
    caCert: join(tlsDir, "ca.pem"),
    caKey: join(tlsDir, "ca.key"),
    serverCert: join(tlsDir, "server.pem"),
    serverKey: join(tlsDir, "server.key"),
  };
}

export interface GeneratedTlsOptions {
  /** DATA/tls */
  dir: string;
  /** --public-host: the name or address agents dial. */
  publicHost: string;
  now: () => number;
}

interface LoadedPair {
  cert: X509Certificate | null;
  certPem: string | null;
  key: KeyObject | null;
  keyPem: string | null;
}

/**
 * Loads DATA/tls/, creating what is missing and renewing the server
 * certificate when needed (plan-generated-tls.ts). Every refusal names the
 * file; nothing is written when the plan is refused.
 */
export async function loadOrCreateTls(options: GeneratedTlsOptions): Promise<Result<TlsMaterial>> {
  const names = serverNames(options.publicHost);
  if (!names.ok) return err(`--public-host: ${names.error}`);
  try {
    return await loadOrCreate(options, names.value);
  } catch (error) {
    // A folder we may not write, a full disk, a second coordinator creating
    // the same key at the same moment (EEXIST): a clear line, not a stack.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined) throw error;
    return err(`TLS files in ${options.dir}: ${(error as Error).message}`);
  }
}

async function loadOrCreate(
  options: GeneratedTlsOptions,
  wanted: SubjectNames,
): Promise<Result<TlsMaterial>> {
  const files = tlsPaths(options.dir);
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  const ca = await loadPair(files.caCert, files.caKey);
  if (!ca.ok) return ca;
  const server = await loadPair(files.serverCert, files.serverKey);
  if (!server.ok) return server;
  const now = options.now();
  const facts = gatherFacts(now, wanted, files, ca.value, server.value);
  const plan = planGeneratedTls(facts);
  if (!plan.ok) return plan;
  const changes: string[] = [];

  let caKeyPem = ca.value.keyPem;
  if (plan.value.createCaKey) {
    caKeyPem = await generateRsaKey(CA_KEY_BITS);
    await writeFileDurably(files.caKey, caKeyPem, { mode: 0o600, existing: "create" });
    changes.push(
      `created TLS CA key ${files.caKey} (mode 0600; back it up: it signs every server certificate)`,
    );
  }
  let caCertPem = ca.value.certPem;
  if (plan.value.issueCa || caCertPem === null) {
    caCertPem = issueCaCertificate({
      keyPem: required(caKeyPem),
      commonName: caCommonName(required(caKeyPem)),
      ...caValidity(now),
    });
    await writeFileDurably(files.caCert, caCertPem, { mode: 0o644, existing: "create" });
    changes.push(`created TLS CA certificate ${files.caCert} (agents pin it)`);
  }
  let serverKeyPem = server.value.keyPem;
  if (plan.value.createServerKey) {
    serverKeyPem = await generateRsaKey(SERVER_KEY_BITS);
    await writeFileDurably(files.serverKey, serverKeyPem, { mode: 0o600, existing: "create" });
    changes.push(`created TLS server key ${files.serverKey} (mode 0600)`);
  }
  let serverCertPem = server.value.certPem;
  if (plan.value.issueServer !== null || serverCertPem === null) {
    const caNotAfter = parseCertificates(caCertPem, files.caCert);
    if (!caNotAfter.ok) return caNotAfter;
    serverCertPem = issueServerCertificate({
      keyPem: required(serverKeyPem),
      commonName: options.publicHost,
      names: wanted,
      ca: { certPem: caCertPem, keyPem: required(caKeyPem) },
      ...serverValidity(now, notAfter(first(caNotAfter.value)).getTime()),
    });
    await writeFileDurably(files.serverCert, serverCertPem, { mode: 0o644, existing: "replace" });
    changes.push(
      `issued TLS server certificate ${files.serverCert} for ${describeNames(wanted)} (${plan.value.issueServer ?? "new"})`,
    );
  }
  const leaf = parseCertificates(serverCertPem, files.serverCert);
  if (!leaf.ok) return leaf;
  return ok({
    source: "generated",
    caPem: caCertPem,
    certPem: serverCertPem,
    keyPem: required(serverKeyPem),
    caPath: files.caCert,
    certPath: files.serverCert,
    keyPath: files.serverKey,
    notAfter: notAfter(first(leaf.value)),
    fingerprint256: first(leaf.value).fingerprint256,
    changes,
    warnings: plan.value.warnings,
  });
}

/**
 * `tillroll CA 1a2b3c4d`: the suffix comes from the CA key, so two
 * coordinators' CAs are told apart in logs and trust stores, and a ca.pem
 * rebuilt from the same ca.key carries the same name (tills that pinned the
 * lost one still chain to it).
 */
function caCommonName(caKeyPem: string): string {
  const spki = createPublicKey(caKeyPem).export({ type: "spki", format: "der" });
  return `tillroll CA ${createHash("sha256").update(spki).digest("hex").slice(0, 8)}`;
}

function gatherFacts(
  now: number,
  wanted: SubjectNames,
  files: ReturnType<typeof tlsPaths>,
  ca: LoadedPair,
  server: LoadedPair,
): GeneratedTlsFacts {
  const matches = (pair: LoadedPair) =>
    pair.cert !== null && pair.key !== null && checkKeyPair(pair.cert, "", pair.key, "").ok;
  const times = (cert: X509Certificate) => ({
    notBefore: notBefore(cert).getTime(),
    notAfter: notAfter(cert).getTime(),
  });
  return {
    now,
    wanted,
    files,
    ca: {
      cert: ca.cert === null ? null : times(ca.cert),
      keyPresent: ca.key !== null,
      keyMatches: matches(ca),
    },
    server: {
      cert:
        server.cert === null
          ? null
          : {
              ...times(server.cert),
              issuedByCa: ca.cert !== null && isIssuedBy(server.cert, ca.cert),
              missing: missingNames(server.cert, wanted),
            },
      keyPresent: server.key !== null,
      keyMatches: matches(server),
    },
  };
}

/** Reads a certificate and its key where they exist; a file that is there must parse. */
async function loadPair(certFile: string, keyFile: string): Promise<Result<LoadedPair>> {
  const certPem = await readTextIfExists(certFile);
  const keyPem = await readTextIfExists(keyFile);
  let cert: X509Certificate | null = null;
  let key: KeyObject | null = null;
  if (certPem !== null) {
    const parsed = parseCertificates(certPem, certFile);
    if (!parsed.ok) return parsed;
    cert = first(parsed.value);
  }
  if (keyPem !== null) {
    const parsed = parsePrivateKey(keyPem, keyFile);
    if (!parsed.ok) return parsed;
    key = parsed.value;
  }
  return ok({ cert, certPem, key, keyPem });
}

export interface OperatorTlsOptions {
  /** --tls-cert: PEM, the server certificate first, then any intermediates. */
  certFile: string;
  /** --tls-key: its unencrypted PEM private key. */
  keyFile: string;
  /** Optional CA (PEM) the chain ends in, handed to agents to pin. */
  caFile?: string | undefined;
  /** When given, the certificate must name it. */
  publicHost?: string | undefined;
  now: () => number;
}

/** Loads and checks the operator's own certificate and key; refusals name the file. */
export async function loadOperatorTls(options: OperatorTlsOptions): Promise<Result<TlsMaterial>> {
  const { certFile, keyFile, caFile } = options;
  const certPem = await readText(certFile, "--tls-cert");
  if (!certPem.ok) return certPem;
  const keyPem = await readText(keyFile, "--tls-key");
  if (!keyPem.ok) return keyPem;
  const chain = parseCertificates(certPem.value, certFile);
  if (!chain.ok) return chain;
  const key = parsePrivateKey(keyPem.value, keyFile);
  if (!key.ok) return key;
  const leaf = first(chain.value);
  const pair = checkKeyPair(leaf, certFile, key.value, keyFile);
  if (!pair.ok) return pair;
  const now = options.now();
  const valid = checkValidAt(leaf, certFile, now);
  if (!valid.ok) return valid;
  if (options.publicHost !== undefined) {
    const host = parsePublicHost(options.publicHost);
    if (!host.ok) return err(`--public-host: ${host.error}`);
    const missing = missingNames(leaf, host.value);
    if (!isEmptyNames(missing)) {
      return err(
        `${certFile}: the certificate does not name the public host (${describeNames(missing)}); its subjectAltName is ${leaf.subjectAltName ?? "empty"}`,
      );
    }
  }
  let caPem: string | null = null;
  if (caFile !== undefined) {
    const caText = await readText(caFile, "--tls-ca");
    if (!caText.ok) return caText;
    const ca = parseCertificates(caText.value, caFile);
    if (!ca.ok) return ca;
    const chained = checkChain(chain.value, first(ca.value), certFile, caFile);
    if (!chained.ok) return chained;
    caPem = caText.value;
  }
  return ok({
    source: "operator",
    caPem,
    certPem: certPem.value,
    keyPem: keyPem.value,
    caPath: caFile ?? null,
    certPath: certFile,
    keyPath: keyFile,
    notAfter: notAfter(leaf),
    fingerprint256: leaf.fingerprint256,
    changes: [],
    warnings: [],
  });
}

/** Each certificate is issued by the next one, and the last by the CA. */
function checkChain(
  chain: X509Certificate[],
  ca: X509Certificate,
  certFile: string,
  caFile: string,
): Result<true> {
  for (const [index, cert] of chain.entries()) {
    const issuer = chain[index + 1] ?? ca;
    if (cert.fingerprint256 === ca.fingerprint256) return ok(true);
    if (!isIssuedBy(cert, issuer)) {
      const where = issuer === ca ? caFile : `${certFile} (certificate ${index + 2})`;
      return err(
        `${certFile}: certificate ${index + 1} (${cert.subject.replace(/\n/g, ", ")}) is not issued by ${where}`,
      );
    }
  }
  return ok(true);
}

async function readText(file: string, flag: string): Promise<Result<string>> {
  try {
    return ok(await readFile(file, "utf8"));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "";
    return err(`${flag} ${file}: cannot read it (${code || (error as Error).message})`);
  }
}

function first<T>(items: T[]): T {
  const item = items[0];
  if (item === undefined) throw new Error("expected at least one certificate");
  return item;
}

function required(text: string | null): string {
  if (text === null) throw new Error("TLS plan left a key unset");
  return text;
}
