// The store contract for operators, the notice outbox, webhooks and install logs (moved
// behind CoordinatorStore for issue 14). Run by describeStoreConformance (conformance.ts).

import type { InstallLogLine } from "@tillroll/protocol";
import { describe, expect, it } from "vitest";
import type { OperatorRecord } from "../../src/accounts/operator-record.js";
import type { NewNotice } from "../../src/notices/outbox.js";
import type { StoreContext } from "./conformance-context.js";

const AT = "2026-11-30T09:00:00.000Z";

function operator(name: string, role: OperatorRecord["role"] = "operator"): OperatorRecord {
  return {
    name,
    role,
    scope: null,
    email: `${name}@example.com`,
    tokenHash: `sha256:${"a".repeat(64)}`,
    passwordHash: "scrypt$16384$8$1$c2FsdA$aGFzaA",
    credentialId: `cred-${name}-0001`,
    createdAt: AT,
    secretsIssuedAt: AT,
  };
}

function notice(key: string, receivers = ["webhook:1", "mail"]): NewNotice {
  return {
    id: `id-${key}`,
    key,
    event: "task.planned",
    at: AT,
    data: { key },
    deliveries: receivers.map((receiver) => ({
      receiver,
      to: receiver === "mail" ? ["nord@example.com"] : null,
      doneAt: null,
      dropped: null,
    })),
  };
}

const ROW = { store: "1001", workstation: "01", function: "pos-client" };

function line(seq: number): InstallLogLine {
  return {
    schema: 1,
    seq,
    ts: new Date(Date.parse(AT) - 60_000 + seq).toISOString(),
    function: "pos-client",
    version: "1.1.0",
    requestId: "r-1",
    level: "info",
    source: "beforeInstall",
    stream: "stdout",
    line: `line ${seq}`,
  };
}

export function noticesAndOperatorsContract(t: () => StoreContext): void {
  describe("operators", () => {
    it("load is empty at first; save replaces all, durably", async () => {
      expect(await t().store.operators.load()).toEqual([]);
      await t().store.operators.save([operator("admin", "admin"), operator("anna")]);
      await t().store.operators.save([operator("admin", "admin"), operator("ben", "viewer")]);
      await t().reopen();
      const names = (await t().store.operators.load()).map((o) => `${o.name}:${o.role}`).sort();
      expect(names).toEqual(["admin:admin", "ben:viewer"]);
    });
  });

  describe("notice outbox", () => {
    it("numbers notices, drops a known key, keeps pending deliveries over a reopen", async () => {
      const outbox = () => t().store.outbox;
      const added = await outbox().add([notice("a"), notice("b")]);
      expect(added.map((n) => n.seq)).toEqual([1, 2]);
      expect((await outbox().add([notice("a"), notice("c")])).map((n) => n.key)).toEqual(["c"]);
      expect(outbox().has("a")).toBe(true);
      await outbox().markDone(1, "webhook:1");
      expect(outbox().head("webhook:1")?.key).toBe("b");
      await outbox().rememberTaskMail("task-1", ["nord@example.com"]);
      await t().reopen();
      expect(outbox().head("webhook:1")?.key).toBe("b");
      expect(outbox().head("mail")?.key).toBe("a");
      expect(outbox().pendingReceivers().sort()).toEqual(["mail", "webhook:1"]);
      expect(outbox().has("c")).toBe(true);
      expect(
        outbox()
          .list()
          .map((n) => n.seq),
      ).toEqual([1, 2, 3]);
      expect(outbox().taskMail("task-1")).toEqual(["nord@example.com"]);
      expect((await outbox().add([notice("d")]))[0]?.seq).toBe(4);
    });
  });

  describe("webhooks", () => {
    it("ids rise and are never reused; add and remove are durable", async () => {
      const hooks = () => t().store.webhooks;
      const make = (url: string) => (id: string) => ({
        id,
        url,
        secret: "s3cret-s3cret",
        events: null,
        createdBy: "admin",
        createdAt: AT,
      });
      expect(hooks().list()).toEqual([]);
      const one = await hooks().add(make("http://127.0.0.1:9/a"));
      const two = await hooks().add(make("http://127.0.0.1:9/b"));
      expect([one.id, two.id]).toEqual(["1", "2"]);
      expect((await hooks().remove("1"))?.url).toBe("http://127.0.0.1:9/a");
      expect(await hooks().remove("1")).toBeUndefined();
      await t().reopen();
      expect(
        hooks()
          .list()
          .map((h) => h.id),
      ).toEqual(["2"]);
      expect(hooks().get("2")?.url).toBe("http://127.0.0.1:9/b");
      expect((await hooks().add(make("http://127.0.0.1:9/c"))).id).toBe("3");
    });
  });

  describe("install logs", () => {
    it("keeps lines in order, once each, over a reopen; forgetWorkstation drops them", async () => {
      const logs = () => t().store.installLogs;
      expect(await logs().append(ROW, line(1))).toBe(true);
      expect(await logs().append(ROW, line(2))).toBe(true);
      expect(await logs().append(ROW, line(1))).toBe(false);
      const first = await logs().read(ROW);
      expect(first.lines.map((l) => l.text)).toEqual(["line 1", "line 2"]);
      await t().reopen();
      expect(await logs().append(ROW, line(2))).toBe(false);
      await logs().append(ROW, line(3));
      const after = await logs().read(ROW, { after: first.next });
      expect(after.lines.map((l) => l.text)).toEqual(["line 3"]);
      expect(await logs().sweep()).toBeGreaterThanOrEqual(0);
      expect((await logs().read(ROW)).lines).toHaveLength(3);
      await logs().forgetWorkstation("1001", "01");
      expect((await logs().read(ROW)).lines).toEqual([]);
      await t().reopen();
      expect((await logs().read(ROW)).lines).toEqual([]);
    });
  });
}
