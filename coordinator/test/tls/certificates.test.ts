import { X509Certificate } from "node:crypto";
import { readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  loadOperatorTls,
  loadOrCreateTls,
  type TlsMaterial,
  tlsPaths,
} from "../../src/tls/certificates.js";
import { generateRsaKey } from "../../src/tls/issue-certificate.js";
import { CA_VALIDITY_DAYS, SERVER_VALIDITY_DAYS } from "../../src/tls/plan-generated-tls.js";
import {
  copyOf,
  DAY_MS,
  generate,
  modeOf,
  snapshot,
  T0,
  tempDir,
  unwrapOk,
} from "./tls-fixtures.js";

let dir: string;
let material: TlsMaterial;
let files: ReturnType<typeof tlsPaths>;

beforeAll(async () => {
  dir = join(await tempDir(), "tls");
  material = await generate(dir);
  files = tlsPaths(dir);
}, 60_000);

describe("first start with --tls", () => {
  it("creates ca.pem, ca.key, server.pem, server.key, keys mode 0600 and nothing else", async () => {
    expect((await readdir(dir)).sort()).toEqual(["ca.key", "ca.pem", "server.key", "server.pem"]);
    expect(await modeOf(files.caKey)).toBe(0o600);
    expect(await modeOf(files.serverKey)).toBe(0o600);
    expect(await modeOf(dir)).toBe(0o700);
    expect(material.source).toBe("generated");
    expect(material.caPath).toBe(files.caCert);
    expect(material.changes).toHaveLength(4);
    expect(material.changes.join("\n")).toContain("back it up");
  });

  it("makes a CA valid 10 years that may only sign, and a server certificate of ~2 years it signed", () => {
    const ca = new X509Certificate(material.caPem ?? "");
    const server = new X509Certificate(material.certPem);
    expect(ca.ca).toBe(true);
    expect(server.ca).toBe(false);
    expect(server.checkIssued(ca) && server.verify(ca.publicKey)).toBe(true);
    const days = (cert: X509Certificate) => (Date.parse(cert.validTo) - T0) / DAY_MS;
    expect(Math.round(days(ca))).toBe(CA_VALIDITY_DAYS);
    expect(Math.round(days(server))).toBe(SERVER_VALIDITY_DAYS);
    // Backdated: a till whose clock runs a few hours late accepts it.
    expect(Date.parse(server.validFrom)).toBeLessThan(T0 - 12 * 3600_000);
    expect(server.keyUsage ?? []).toContain("1.3.6.1.5.5.7.3.1"); // serverAuth
    expect(ca.subject).toMatch(/^CN=tillroll CA [0-9a-f]{8}$/);
    expect(server.subject).toBe("CN=coordinator.example");
  });

  it("names the public host and the loopback names in subjectAltName", () => {
    const server = new X509Certificate(material.certPem);
    expect(server.subjectAltName).toBe(
      "DNS:coordinator.example, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1",
    );
    expect(server.checkHost("coordinator.example")).toBe("coordinator.example");
    expect(server.checkIP("::1")).toBe("::1");
    expect(server.checkHost("other.example")).toBeUndefined();
  });

  it("names an IP public host as an IP address", async () => {
    const made = await generate(join(await tempDir(), "tls"), "10.20.30.40");
    const server = new X509Certificate(made.certPem);
    expect(server.checkIP("10.20.30.40")).toBe("10.20.30.40");
    expect(server.subjectAltName).not.toContain("DNS:10.20.30.40");
  }, 60_000);

  it("refuses a public host that is no host name, writing nothing", async () => {
    const empty = join(await tempDir(), "tls");
    const result = await loadOrCreateTls({ dir: empty, publicHost: "bad_host!", now: () => T0 });
    expect(result).toMatchObject({ ok: false });
    expect(result.ok ? "" : result.error).toMatch(/^--public-host: .*"bad_host!"/);
    await expect(readdir(empty)).rejects.toThrow(/ENOENT/);
  });
});

describe("later starts", () => {
  it("load the same files unchanged", async () => {
    const before = await snapshot(dir);
    const again = await generate(dir, "coordinator.example", T0 + 100 * DAY_MS);
    expect(again.changes).toEqual([]);
    expect(await snapshot(dir)).toEqual(before);
    expect(again.certPem).toBe(material.certPem);
    expect(again.fingerprint256).toBe(material.fingerprint256);
  });

  it("reissue the server certificate for the same key when the public host changed; the CA stays", async () => {
    const copy = await copyOf(dir);
    const before = await snapshot(copy);
    const renewed = await generate(copy, "till-gw.example", T0 + DAY_MS);
    const after = await snapshot(copy);
    expect(after.caCert).toBe(before.caCert);
    expect(after.caKey).toBe(before.caKey);
    expect(after.serverKey).toBe(before.serverKey);
    expect(after.serverCert).not.toBe(before.serverCert);
    expect(renewed.changes).toEqual([
      expect.stringMatching(/issued TLS server certificate .* does not name DNS:till-gw\.example/),
    ]);
    expect(new X509Certificate(renewed.certPem).checkHost("till-gw.example")).toBe(
      "till-gw.example",
    );
  }, 30_000);

  it("reissue the server certificate within 30 days of its end, and after it", async () => {
    const copy = await copyOf(dir);
    const end = Date.parse(new X509Certificate(material.certPem).validTo);
    const near = await generate(copy, "coordinator.example", end - 10 * DAY_MS);
    expect(near.changes.join()).toMatch(/expires on/);
    expect(near.notAfter.getTime()).toBeGreaterThan(end);
    const copy2 = await copyOf(dir);
    const late = await generate(copy2, "coordinator.example", end + DAY_MS);
    expect(late.changes.join()).toMatch(/expired on/);
  }, 30_000);

  it("never renew an expired CA: the error names ca.pem and nothing is written", async () => {
    const copy = await copyOf(dir);
    const before = await snapshot(copy);
    const result = await loadOrCreateTls({
      dir: copy,
      publicHost: "coordinator.example",
      now: () => T0 + (CA_VALIDITY_DAYS + 1) * DAY_MS,
    });
    expect(result.ok ? "" : result.error).toMatch(
      new RegExp(
        `^${escapeRegExp(tlsPaths(copy).caCert)}: the CA certificate expired on .*never renewed`,
      ),
    );
    expect(await snapshot(copy)).toEqual(before);
  });

  it("warn when the CA nears its end", async () => {
    const copy = await copyOf(dir);
    const late = await generate(copy, "coordinator.example", T0 + (CA_VALIDITY_DAYS - 90) * DAY_MS);
    expect(late.warnings.join()).toMatch(/ca\.pem: the CA certificate expires on/);
    // The server certificate never outlives its CA.
    expect(late.notAfter.getTime()).toBeLessThanOrEqual(
      Date.parse(new X509Certificate(late.caPem ?? "").validTo),
    );
  }, 30_000);

  it("refuse a server key that does not match server.pem, naming both, changing nothing", async () => {
    const copy = await copyOf(dir);
    const paths = tlsPaths(copy);
    await writeFile(paths.serverKey, await generateRsaKey(2048));
    const before = await snapshot(copy);
    const result = await loadOrCreateTls({
      dir: copy,
      publicHost: "coordinator.example",
      now: () => T0,
    });
    expect(result.ok ? "" : result.error).toBe(
      `${paths.serverKey} is not the private key of the certificate in ${paths.serverCert} (they do not match); remove ${paths.serverCert} to have it reissued for ${paths.serverKey}`,
    );
    expect(await snapshot(copy)).toEqual(before);
  }, 30_000);

  it.each([
    ["serverCert", "not a certificate\n", /no PEM certificate in it/],
    [
      "serverCert",
      "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
      /not a readable X\.509 certificate/,
    ],
    [
      "caKey",
      "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
      /not a readable private key/,
    ],
    ["caCert", "", /no PEM certificate in it/],
  ] as const)("refuse a corrupt %s, naming the file", async (which, text, message) => {
    const copy = await copyOf(dir);
    const path = tlsPaths(copy)[which];
    await writeFile(path, text);
    const result = await loadOrCreateTls({
      dir: copy,
      publicHost: "coordinator.example",
      now: () => T0,
    });
    expect(result.ok).toBe(false);
    expect(result.ok ? "" : result.error).toMatch(new RegExp(`^${escapeRegExp(path)}: `));
    expect(result.ok ? "" : result.error).toMatch(message);
  });

  it("refuse to go on without ca.key when ca.pem exists (no new CA behind the tills' back)", async () => {
    const copy = await copyOf(dir);
    await rm(tlsPaths(copy).caKey);
    const result = await loadOrCreateTls({
      dir: copy,
      publicHost: "coordinator.example",
      now: () => T0,
    });
    expect(result.ok ? "" : result.error).toMatch(/ca\.key is missing but .*ca\.pem exists/);
    expect((await readdir(copy)).sort()).toEqual(["ca.pem", "server.key", "server.pem"]);
  });

  it("rebuild a lost server.pem for the existing server.key, and a lost ca.pem from ca.key", async () => {
    const copy = await copyOf(dir);
    const before = await snapshot(copy);
    await rm(tlsPaths(copy).serverCert);
    await rm(tlsPaths(copy).caCert);
    const rebuilt = await generate(copy);
    const after = await snapshot(copy);
    expect(after.caKey).toBe(before.caKey);
    expect(after.serverKey).toBe(before.serverKey);
    // A till that pinned the old ca.pem still trusts the new server certificate:
    // same CA key, same CA name.
    const oldCa = new X509Certificate(before.caCert ?? "");
    const server = new X509Certificate(rebuilt.certPem);
    expect(server.checkIssued(oldCa) && server.verify(oldCa.publicKey)).toBe(true);
  }, 30_000);
});

describe("--tls-cert / --tls-key (the operator's own)", () => {
  it("loads a matching pair, with the CA when given", async () => {
    const loaded = unwrapOk(
      await loadOperatorTls({
        certFile: files.serverCert,
        keyFile: files.serverKey,
        caFile: files.caCert,
        publicHost: "coordinator.example",
        now: () => T0,
      }),
    );
    expect(loaded).toMatchObject({ source: "operator", caPem: material.caPem, changes: [] });
    expect(loaded.certPem).toBe(material.certPem);
  });

  it("refuses a key that is not the certificate's, naming both files", async () => {
    const other = join(await tempDir(), "other.key");
    await writeFile(other, await generateRsaKey(2048));
    const result = await loadOperatorTls({
      certFile: files.serverCert,
      keyFile: other,
      now: () => T0,
    });
    expect(result.ok ? "" : result.error).toBe(
      `${other} is not the private key of the certificate in ${files.serverCert} (they do not match)`,
    );
  }, 30_000);

  it.each([
    [
      { publicHost: "elsewhere.example" },
      /does not name the public host \(DNS:elsewhere\.example\)/,
    ],
    [{ now: () => T0 + 5000 * DAY_MS }, /server\.pem: the certificate expired on/],
    [{ caFile: "ca-of-another" }, /server\.pem: certificate 1 .* is not issued by .*other-ca\.pem/],
    [
      { certFile: "/nonexistent/cert.pem" },
      /^--tls-cert \/nonexistent\/cert\.pem: cannot read it \(ENOENT\)/,
    ],
  ] as const)(
    "refuses %j",
    async (change, message) => {
      let caFile: string | undefined;
      if ("caFile" in change) {
        const other = await generate(join(await tempDir(), "tls"), "x.example");
        caFile = join(await tempDir(), "other-ca.pem");
        await writeFile(caFile, other.caPem ?? "");
      }
      const result = await loadOperatorTls({
        certFile: files.serverCert,
        keyFile: files.serverKey,
        now: () => T0,
        ...change,
        ...(caFile === undefined ? {} : { caFile }),
      });
      expect(result.ok ? "" : result.error).toMatch(message);
    },
    60_000,
  );
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
