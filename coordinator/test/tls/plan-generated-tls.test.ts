import { describe, expect, it } from "vitest";
import {
  CA_WARN_BEFORE_DAYS,
  type GeneratedTlsFacts,
  planGeneratedTls,
  RENEW_BEFORE_DAYS,
  serverValidity,
} from "../../src/tls/plan-generated-tls.js";
import { parsePublicHost, serverNames } from "../../src/tls/subject-names.js";

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.parse("2027-01-01T00:00:00Z");
const NONE = { dns: [], ips: [] };
const files = {
  caCert: "ca.pem",
  caKey: "ca.key",
  serverCert: "server.pem",
  serverKey: "server.key",
};

function facts(change: {
  ca?: Partial<GeneratedTlsFacts["ca"]>;
  server?: Partial<GeneratedTlsFacts["server"]>;
  serverCert?: Partial<NonNullable<GeneratedTlsFacts["server"]["cert"]>>;
}): GeneratedTlsFacts {
  return {
    now: NOW,
    wanted: { dns: ["c.example"], ips: [] },
    files,
    ca: {
      cert: { notBefore: NOW - DAY, notAfter: NOW + 3000 * DAY },
      keyPresent: true,
      keyMatches: true,
      ...change.ca,
    },
    server: {
      cert: {
        notBefore: NOW - DAY,
        notAfter: NOW + 400 * DAY,
        issuedByCa: true,
        missing: NONE,
        ...change.serverCert,
      },
      keyPresent: true,
      keyMatches: true,
      ...change.server,
    },
  };
}

const KEEP = { createCaKey: false, issueCa: false, createServerKey: false, issueServer: null };

describe("planGeneratedTls", () => {
  it.each([
    ["everything in place", facts({}), KEEP],
    [
      "an empty folder: create everything",
      facts({
        ca: { cert: null, keyPresent: false, keyMatches: false },
        server: { cert: null, keyPresent: false, keyMatches: false },
      }),
      {
        createCaKey: true,
        issueCa: true,
        createServerKey: true,
        issueServer: "server.pem does not exist yet",
      },
    ],
    [
      "ca.pem lost, ca.key there: reissue ca.pem for the same key, then server.pem",
      facts({ ca: { cert: null, keyMatches: false }, serverCert: { issuedByCa: false } }),
      { ...KEEP, issueCa: true, issueServer: "server.pem belongs to a key or CA created just now" },
    ],
    [
      "server.key lost: a new key and a new certificate",
      facts({ server: { keyPresent: false, keyMatches: false } }),
      {
        ...KEEP,
        createServerKey: true,
        issueServer: "server.pem belongs to a key or CA created just now",
      },
    ],
    [
      "public host changed",
      facts({ serverCert: { missing: { dns: ["d.example"], ips: [] } } }),
      { ...KEEP, issueServer: "server.pem does not name DNS:d.example" },
    ],
    [
      `within ${RENEW_BEFORE_DAYS} days of the end`,
      facts({ serverCert: { notAfter: NOW + 29 * DAY } }),
      { ...KEEP, issueServer: `server.pem expires on ${new Date(NOW + 29 * DAY).toISOString()}` },
    ],
    ["31 days left: keep", facts({ serverCert: { notAfter: NOW + 31 * DAY } }), KEEP],
    [
      "expired",
      facts({ serverCert: { notAfter: NOW - DAY } }),
      { ...KEEP, issueServer: `server.pem expired on ${new Date(NOW - DAY).toISOString()}` },
    ],
  ])("%s", (_name, input, expected) => {
    const plan = planGeneratedTls(input);
    expect(plan).toEqual({ ok: true, value: { ...expected, warnings: [] } });
  });

  it.each([
    [
      "ca.pem without ca.key",
      facts({ ca: { keyPresent: false, keyMatches: false } }),
      /^ca\.key is missing but ca\.pem exists/,
    ],
    [
      "ca.key not ca.pem's",
      facts({ ca: { keyMatches: false } }),
      /^ca\.key is not the private key of the CA certificate in ca\.pem/,
    ],
    [
      "an expired CA",
      facts({ ca: { cert: { notBefore: 0, notAfter: NOW } } }),
      /^ca\.pem: the CA certificate expired on .* never renewed/,
    ],
    [
      "server.key not server.pem's",
      facts({ server: { keyMatches: false } }),
      /^server\.key is not the private key of the certificate in server\.pem/,
    ],
    [
      "server.pem from another CA",
      facts({ serverCert: { issuedByCa: false } }),
      /^server\.pem was not issued by the CA in ca\.pem/,
    ],
  ])("refuses %s", (_name, input, message) => {
    const plan = planGeneratedTls(input);
    expect(plan.ok).toBe(false);
    expect(plan.ok ? "" : plan.error).toMatch(message);
  });

  it("warns when the CA has less than the warning period left", () => {
    const plan = planGeneratedTls(
      facts({ ca: { cert: { notBefore: 0, notAfter: NOW + (CA_WARN_BEFORE_DAYS - 1) * DAY } } }),
    );
    expect(plan.ok && plan.value.warnings).toEqual([
      expect.stringMatching(/^ca\.pem: the CA certificate expires on/),
    ]);
  });

  it("never issues a server certificate beyond its CA", () => {
    expect(serverValidity(NOW, NOW + 10 * DAY).notAfter.getTime()).toBe(NOW + 10 * DAY);
  });
});

describe("parsePublicHost / serverNames", () => {
  it.each([
    ["Coordinator.Example.", { dns: ["coordinator.example"], ips: [] }],
    ["10.0.0.5", { dns: [], ips: ["10.0.0.5"] }],
    ["[FD00::1]", { dns: [], ips: ["fd00::1"] }],
    ["fd00::1", { dns: [], ips: ["fd00::1"] }],
    ["till-gw", { dns: ["till-gw"], ips: [] }],
  ])("%s", (input, names) => {
    expect(parsePublicHost(input)).toEqual({ ok: true, value: names });
  });

  it.each([
    ["", /must be a host name or an IP address/],
    ["a_b.example", /label "a_b" must be/],
    ["-a.example", /label "-a" must be/],
    ["10.0.0.256", /looks like an IP address but is not a valid one/],
    ["host:8883", /label "host:8883"/],
  ])("refuses %j", (input, message) => {
    const parsed = parsePublicHost(input);
    expect(parsed.ok ? "" : parsed.error).toMatch(message);
  });

  it("adds the loopback names once", () => {
    expect(serverNames("localhost")).toEqual({
      ok: true,
      value: { dns: ["localhost"], ips: ["127.0.0.1", "::1"] },
    });
    expect(serverNames("127.0.0.1")).toEqual({
      ok: true,
      value: { dns: ["localhost"], ips: ["127.0.0.1", "::1"] },
    });
  });
});
