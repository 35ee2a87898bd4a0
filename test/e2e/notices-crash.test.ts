// Acceptance 5, the crash part: a real `tillroll coordinator` process with undelivered
// notices (its webhook receiver refuses connections, its SMTP server answers 451) is killed
// with SIGKILL; restarted, it delivers every notice from its outbox: each once, in order,
// every webhook signature valid, and the mails to the admins.

import { createServer, type Server } from "node:http";
import { verifyWebhookSignature } from "@tillroll/coordinator";
import { SMTPServer } from "smtp-server";
import { afterEach, describe, expect, it } from "vitest";
import { freePort, type TempDir, tempDir } from "../support/temp.js";
import { CoordinatorProcess } from "./coordinator-harness.js";

const SECRET = "crash-test-secret";

/** A webhook receiver on a fixed loopback port that verifies every signature; `down` refuses connections. */
class Receiver {
  readonly received: { id: string; event: string; data: { blackout?: { id: string } } }[] = [];
  readonly bad: string[] = [];
  private server: Server | null = null;
  constructor(readonly port: number) {}
  async up(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const bytes = Buffer.concat(chunks);
        if (!verifyWebhookSignature(SECRET, bytes, req.headers["x-tillroll-signature"])) {
          this.bad.push(bytes.toString());
          res.writeHead(401).end();
          return;
        }
        this.received.push(JSON.parse(bytes.toString()));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(this.port, "127.0.0.1", resolve));
    this.server = server;
  }
  async down(): Promise<void> {
    const server = this.server;
    this.server = null;
    server?.closeAllConnections();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

async function startSmtp(mails: { to: string[]; raw: string }[], refuse: { on: boolean }) {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        if (refuse.on) return callback(Object.assign(new Error("later"), { responseCode: 451 }));
        mails.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString(),
        });
        callback();
      });
    },
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { server, port };
}

async function until(what: string, check: () => boolean, ms = 45_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("notices survive a coordinator kill -9", () => {
  let dir: TempDir | undefined;
  let coordinator: CoordinatorProcess | undefined;
  let receiver: Receiver | undefined;
  let smtp: SMTPServer | undefined;
  afterEach(async () => {
    await coordinator?.stop();
    await receiver?.down();
    await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
    await dir?.cleanup();
    coordinator = receiver = smtp = dir = undefined;
  });

  it("undelivered webhook notices and mails are delivered after the restart, once, in order", async () => {
    dir = await tempDir("notices-crash");
    receiver = new Receiver(await freePort());
    const mails: { to: string[]; raw: string }[] = [];
    const refuse = { on: true };
    const started = await startSmtp(mails, refuse);
    smtp = started.server;
    coordinator = await CoordinatorProcess.create(dir.path, undefined, {
      extraArgs: [
        "--smtp",
        `smtp://127.0.0.1:${started.port}`,
        "--mail-from",
        "tillroll@example.com",
      ],
    });
    await coordinator.start();
    await coordinator.console(
      "operator",
      "add",
      "nord",
      "--role",
      "admin",
      "--scope",
      "DE/North",
      "--email",
      "nord@example.com",
    );
    await coordinator.console(
      "webhook",
      "add",
      `http://127.0.0.1:${receiver.port}/hook`,
      "--secret",
      SECRET,
    );

    // Three notices while the receiver is down: each command answers once its notice is durable.
    const day = 24 * 3600_000;
    const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19).concat("Z");
    const ids: string[] = [];
    for (const [offset, reason] of [
      [2, "stock count"],
      [30, "Christmas freeze"],
    ] as const) {
      const added = await coordinator.consoleJson<{ blackout: { id: string } }>(
        "blackout",
        "add",
        "--from",
        iso(Date.now() + offset * day),
        "--to",
        iso(Date.now() + (offset + 1) * day),
        "--reason",
        reason,
      );
      ids.push(added.blackout.id);
    }
    await coordinator.console("blackout", "remove", ids[0] ?? "");
    await until("a webhook failure and a mail failure in the log", () => {
      const text = coordinator?.output.join("\n") ?? "";
      return (
        /webhook 1: delivery \S+ failed \(connection refused\); retry in/.test(text) &&
        /mail: delivery \S+ failed/.test(text)
      );
    });
    await coordinator.kill9();
    expect(receiver.received).toEqual([]);
    expect(mails).toEqual([]);

    await receiver.up();
    refuse.on = false;
    await coordinator.start();
    await until("three webhook notices", () => (receiver?.received.length ?? 0) >= 3);
    await until("three mails", () => mails.length >= 3);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(receiver.bad).toEqual([]);
    expect(receiver.received.map((r) => `${r.event} ${r.data.blackout?.id}`)).toEqual([
      `blackout.announced ${ids[0]}`,
      `blackout.announced ${ids[1]}`,
      `blackout.removed ${ids[0]}`,
    ]);
    expect(new Set(receiver.received.map((r) => r.id)).size).toBe(3);
    expect(mails).toHaveLength(3);
    expect(mails.every((m) => m.to.join() === "nord@example.com")).toBe(true);
  });
});
