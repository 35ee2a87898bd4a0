// The README's "Notices: e-mail and webhooks" section as written: its verification example
// accepts a body the coordinator signed and refuses a changed one, and every `tillroll
// webhook` / `tillroll coordinator` line in it parses.

import { createHmac, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseCommandLine } from "../../src/cli/command-line.js";
import { webhookBody } from "../../src/notices/webhook-sender.js";
import { signWebhookBody } from "../../src/notices/webhook-signature.js";

const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
const section = /## Notices: e-mail and webhooks\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? "";

describe("README: Notices", () => {
  it("has the section", () => {
    expect(section).toContain("X-Tillroll-Signature");
  });

  it("its Node example verifies what the coordinator signs, and refuses a changed body", () => {
    const code = /```js\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
    expect(code.trim().split("\n")).toHaveLength(5);
    const body = code
      .split("\n")
      .filter((line) => !line.startsWith("import "))
      .join("\n");
    const verify = new Function(
      "createHmac",
      "timingSafeEqual",
      "SECRET",
      "rawBody",
      "req",
      "res",
      `${body}\nreturn { id, event, at, data };`,
    );
    const secret = "9f2c1e7a4b5d";
    const raw = webhookBody({ id: "u-1", event: "task.planned", at: "t", data: { a: 1 } });
    const req = { headers: { "x-tillroll-signature": signWebhookBody(secret, raw) } };
    let refused = 0;
    const res = { writeHead: () => ({ end: () => (refused += 1) }) };
    expect(verify(createHmac, timingSafeEqual, secret, raw, req, res)).toEqual({
      id: "u-1",
      event: "task.planned",
      at: "t",
      data: { a: 1 },
    });
    verify(createHmac, timingSafeEqual, secret, raw.replace('"a":1', '"a":2'), req, res);
    verify(createHmac, timingSafeEqual, secret, raw, { headers: {} }, res);
    expect(refused).toBe(2);
  });

  it("every tillroll line parses as written", () => {
    const lines = section
      .split("\n")
      .filter((line) => line.startsWith("tillroll "))
      .map((line) => line.replace(/\s+#.*$/, ""));
    expect(lines.length).toBeGreaterThanOrEqual(5);
    for (const line of lines) {
      const argv = line.split(/\s+/).slice(1);
      expect(parseCommandLine(argv).kind, line).toBe("run");
    }
  });
});
