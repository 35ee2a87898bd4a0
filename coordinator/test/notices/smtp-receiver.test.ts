import { createConnection } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { SmtpReceiver } from "./smtp-receiver.js";

/**
 * The tests' SMTP receiver outlives a sender that dies mid-session (the
 * notices e2e kills the coordinator with -9 while its mail connection may be
 * open): the reset is recorded, not thrown into the test process (CI once
 * failed on exactly that uncaught ECONNRESET).
 */
describe("SmtpReceiver", () => {
  let receiver: SmtpReceiver | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  it("records a connection reset by its sender instead of throwing it", async () => {
    receiver = await SmtpReceiver.start();
    const socket = createConnection({ host: "127.0.0.1", port: receiver.port });
    await new Promise<void>((resolve) => socket.once("data", () => resolve())); // 220 greeting
    // Reset inside a mail transaction: smtp-server ignores a reset between
    // mails, and reports one after MAIL FROM as an error.
    for (const line of [
      "EHLO killed.example",
      "MAIL FROM:<a@example.com>",
      "RCPT TO:<b@example.com>",
      "DATA",
    ]) {
      socket.write(`${line}\r\n`);
      await new Promise<void>((resolve) => socket.once("data", () => resolve()));
    }
    socket.resetAndDestroy();
    const started = Date.now();
    while (receiver.connectionErrors.length === 0 && Date.now() - started < 5_000) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(receiver.connectionErrors.join(" ")).toMatch(/ECONNRESET/);
  });
});
