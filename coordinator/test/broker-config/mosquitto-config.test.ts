import { describe, expect, it } from "vitest";
import {
  generateMosquittoConfig,
  type MosquittoConfigInput,
} from "../../src/broker-config/mosquitto.js";
import { mosquittoPasswordLine } from "../../src/broker-config/mosquitto-password.js";

const salt = Buffer.alloc(12, 1);
const line = (username: string) => mosquittoPasswordLine(username, "pw", { salt });

function input(change: Partial<MosquittoConfigInput> = {}): MosquittoConfigInput {
  return {
    topicRoot: "tillroll/v1",
    listener: { port: 8883 },
    tls: { caFile: "/d/tls/ca.pem", certFile: "/d/tls/server.pem", keyFile: "/d/tls/server.key" },
    files: {
      passwordFile: "/etc/m/passwords",
      aclFile: "/etc/m/acl",
      persistenceDir: "/var/lib/m",
    },
    coordinator: { username: "tillroll-coordinator", passwordLine: line("tillroll-coordinator") },
    accounts: [
      {
        username: "pos.1001.01",
        principal: { kind: "pos", store: "1001", workstation: "01" },
        passwordLine: line("pos.1001.01"),
      },
      {
        username: "agent.1001.01",
        principal: { kind: "agent", store: "1001", workstation: "01" },
        passwordLine: line("agent.1001.01"),
      },
    ],
    ...change,
  };
}

function generated(change: Partial<MosquittoConfigInput> = {}) {
  const result = generateMosquittoConfig(input(change));
  if (!result.ok) throw new Error(result.error);
  return result.value;
}

const settings = (text: string) => text.split("\n").filter((l) => l !== "" && !l.startsWith("#"));

describe("generateMosquittoConfig", () => {
  it("writes the global settings, then one TLS listener with its options after it", () => {
    expect(settings(generated().conf)).toEqual([
      "per_listener_settings false",
      "allow_anonymous false",
      "password_file /etc/m/passwords",
      "acl_file /etc/m/acl",
      "max_queued_messages 0",
      "max_inflight_messages 0",
      "message_size_limit 262144",
      "persistence true",
      "persistence_location /var/lib/m/",
      "listener 8883",
      "protocol mqtt",
      "use_username_as_clientid true",
      "cafile /d/tls/ca.pem",
      "certfile /d/tls/server.pem",
      "keyfile /d/tls/server.key",
      "tls_version tlsv1.2",
      "require_certificate false",
    ]);
    const withBind = settings(generated({ listener: { port: 1, bindAddress: "10.0.0.1" } }).conf);
    expect(withBind).toContain("listener 1 10.0.0.1");
    expect(settings(generated({ runAsUser: "mosquitto" }).conf)).toContain("user mosquitto");
  });

  it("gives each account exactly its own topics, as the embedded broker's ACL does (acl.ts)", () => {
    expect(settings(generated().acl)).toEqual([
      "user tillroll-coordinator",
      "topic readwrite tillroll/v1/ws/+/+/desired",
      "topic readwrite tillroll/v1/ws/+/+/status",
      "topic readwrite tillroll/v1/ws/+/+/presence",
      "topic readwrite tillroll/v1/ws/+/+/session",
      "topic readwrite tillroll/v1/ws/+/+/maintenance",
      "topic readwrite tillroll/v1/ws/+/+/notice",
      "topic readwrite tillroll/v1/ws/+/+/log",
      "topic readwrite tillroll/v1/ws/+/+/pos",
      "user agent.1001.01",
      "topic write tillroll/v1/ws/1001/01/status",
      "topic write tillroll/v1/ws/1001/01/presence",
      "topic write tillroll/v1/ws/1001/01/maintenance",
      "topic write tillroll/v1/ws/1001/01/notice",
      "topic write tillroll/v1/ws/1001/01/log",
      "topic read tillroll/v1/ws/1001/01/desired",
      "topic read tillroll/v1/ws/1001/01/session",
      "topic read tillroll/v1/ws/1001/01/pos",
      "topic read tillroll/v1/ws/1001/+/maintenance",
      "user pos.1001.01",
      "topic write tillroll/v1/ws/1001/01/session",
      "topic write tillroll/v1/ws/1001/01/pos",
      "topic read tillroll/v1/ws/1001/01/presence",
      "topic read tillroll/v1/ws/1001/01/maintenance",
      "topic read tillroll/v1/ws/1001/01/notice",
      "topic read tillroll/v1/ws/1001/+/maintenance",
    ]);
  });

  it("writes the password lines, coordinator first, accounts sorted: the same fleet gives the same files", () => {
    const { passwords } = generated();
    expect(passwords.split("\n")).toEqual([
      line("tillroll-coordinator"),
      line("agent.1001.01"),
      line("pos.1001.01"),
      "",
    ]);
    const reversed = generated({ accounts: [...input().accounts].reverse() });
    expect(reversed).toEqual(generated());
  });

  it("follows another topic root", () => {
    const { acl } = generated({ topicRoot: "shop/eu" });
    expect(acl).toContain("topic read shop/eu/ws/1001/01/desired");
    expect(acl).not.toContain("tillroll/v1");
  });

  const agent = input().accounts[1];
  it.each([
    [{ topicRoot: "bad/#" }, /must not contain "\+", "#"/],
    [{ listener: { port: 0 } }, /listener port 0 must be 1-65535/],
    [{ listener: { port: 1, bindAddress: "a b" } }, /listener address "a b"/],
    [
      { files: { passwordFile: "/x\nallow_anonymous true", aclFile: "/a", persistenceDir: "/p" } },
      /passwordFile .* on one line/,
    ],
    [{ accounts: [agent, agent] }, /username "agent\.1001\.01" appears twice/],
    [
      { accounts: [{ ...agent, username: "agent.1001.02" }] },
      /the password line of "agent\.1001\.02" is for "agent\.1001\.01"/,
    ],
    [
      { accounts: [{ ...agent, principal: { kind: "agent", store: "10/01", workstation: "01" } }] },
      /invalid store or workstation id/,
    ],
    [{ coordinator: { username: "c", passwordLine: "c:plain" } }, /does not hold a \$7\$/],
    [{ accounts: [{ ...agent, username: "agent 1", passwordLine: "agent 1:$7$" }] }, /whitespace/],
  ] as [Partial<MosquittoConfigInput>, RegExp][])("refuses %j", (change, message) => {
    const result = generateMosquittoConfig(input(change));
    expect(result.ok ? "" : result.error).toMatch(message);
  });
});
