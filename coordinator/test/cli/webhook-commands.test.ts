// `tillroll webhook add|list|remove` and the coordinator's --smtp/--mail-from: the command
// line is parsed and checked before anything is sent (an unknown event names the valid ones),
// and the built CLI against a real coordinator adds, lists (secret only as `set`) and
// removes webhooks.

import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCommandLine } from "../../src/cli/command-line.js";
import { UsageError } from "../../src/cli/console-client.js";
import { eventsOf, formatWebhooks } from "../../src/cli/webhook-commands.js";
import { Coordinator } from "../../src/coordinator.js";
import { FAST_SCRYPT } from "../accounts/helpers.js";

const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

function tillroll(
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 15_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}

describe("tillroll webhook: the command line", () => {
  it.each([
    [
      ["webhook", "add", "https://h.example/x", "--secret", "s3cret-123"],
      "webhook add",
      ["https://h.example/x"],
    ],
    [
      [
        "webhook",
        "add",
        "http://h/x",
        "--secret",
        "s3cret-123",
        "--events",
        "task.planned,task.cancelled",
        "--json",
      ],
      "webhook add",
      ["http://h/x"],
    ],
    [["webhook", "list"], "webhook list", []],
    [["webhook", "list", "--json"], "webhook list", []],
    [["webhook", "remove", "2"], "webhook remove", ["2"]],
  ])("%j runs %s", (argv, name, args) => {
    expect(parseCommandLine(argv)).toMatchObject({ kind: "run", spec: { name }, args });
  });

  it.each([
    [["webhook", "add", "http://h/x"], /^webhook add: --secret is required/],
    [["webhook", "add", "--secret", "s3cret-123"], /^webhook add: URL is missing/],
    [["webhook", "remove"], /^webhook remove: ID is missing/],
  ])("%j is refused", (argv, message) => {
    expect(() => parseCommandLine(argv)).toThrow(UsageError);
    expect(() => parseCommandLine(argv)).toThrow(message);
  });

  it("splits --events at commas and repeats", () => {
    expect(eventsOf({ events: ["task.planned, task.cancelled", "release.ended"] })).toEqual([
      "task.planned",
      "task.cancelled",
      "release.ended",
    ]);
    expect(eventsOf({})).toBeUndefined();
  });

  it("lists webhooks with the secret only as set", () => {
    const text = formatWebhooks([
      {
        id: "1",
        url: "https://h.example/x",
        secret: "set",
        events: null,
        createdBy: "admin",
        createdAt: "2026-11-30T10:00:00.000Z",
      },
      {
        id: "2",
        url: "http://h/y",
        secret: "set",
        events: ["task.planned"],
        createdBy: "admin",
        createdAt: "2026-11-30T11:00:00.000Z",
      },
    ]);
    expect(text.split("\n")).toEqual([
      "ID  URL                  EVENTS        SECRET       ADDED BY  ADDED AT",
      "1   https://h.example/x  all           secret: set  admin     2026-11-30T10:00:00.000Z",
      "2   http://h/y           task.planned  secret: set  admin     2026-11-30T11:00:00.000Z",
    ]);
    expect(formatWebhooks([])).toMatch(/^No webhooks/);
  });
});

describe("tillroll coordinator --smtp --mail-from", () => {
  it.each([
    [["--smtp", "smtp://127.0.0.1:2525"], /--smtp needs --mail-from ADDR/],
    [["--mail-from", "tillroll@example.com"], /--mail-from needs --smtp smtp:\/\/host:port/],
    [
      ["--smtp", "http://127.0.0.1:2525", "--mail-from", "t@example.com"],
      /--smtp: "http:\/\/127\.0\.0\.1:2525" is not an smtp:\/\/ or smtps:\/\/ URL/,
    ],
    [
      ["--smtp", "smtp://127.0.0.1:2525", "--mail-from", "nobody"],
      /--mail-from: "nobody" is not an e-mail address/,
    ],
  ])("%j is refused in one sentence", async (flags, message) => {
    const { code, stderr } = await tillroll([
      "coordinator",
      "--data",
      "/nonexistent/never",
      ...flags,
    ]);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(message);
    expect(stderr.trim().split("\n")).toHaveLength(1);
  });
});

describe("tillroll webhook against a coordinator", { timeout: 60_000 }, () => {
  let root = "";
  let coordinator: Coordinator;
  let flags: string[] = [];
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "tillroll-webhook-cli-"));
    coordinator = await Coordinator.start({
      dataDir: join(root, "data"),
      mqttPort: 0,
      httpPort: 0,
      passwordParams: FAST_SCRYPT,
      log: () => undefined,
    });
    const token = readFileSync(join(coordinator.dataDir, "operator-token"), "utf8").trim();
    flags = ["--url", coordinator.httpUrl, "--token", token];
  }, 30_000);
  afterAll(async () => {
    await coordinator?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it("adds, lists and removes; an unknown event is refused before anything is sent", async () => {
    const bad = await tillroll([
      "webhook",
      "add",
      "http://127.0.0.1:9/x",
      "--secret",
      "s3cret-123",
      "--events",
      "task.exploded",
      ...flags,
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /--events: "task\.exploded" is not an event; the events are task\.planned, task\.cancelled/,
    );

    const added = await tillroll([
      "webhook",
      "add",
      "http://127.0.0.1:9/x",
      "--secret",
      "s3cret-123",
      "--events",
      "task.planned,task.cancelled",
      ...flags,
    ]);
    expect(added.stderr).toBe("");
    expect(added.stdout.trim()).toBe(
      "Added webhook 1: http://127.0.0.1:9/x (task.planned, task.cancelled); secret: set",
    );
    const listed = await tillroll(["webhook", "list", "--json", ...flags]);
    expect(JSON.parse(listed.stdout)).toMatchObject([
      { id: "1", secret: "set", events: ["task.planned", "task.cancelled"] },
    ]);
    expect(listed.stdout).not.toContain("s3cret-123");
    const removed = await tillroll(["webhook", "remove", "1", ...flags]);
    expect(removed.stdout.trim()).toBe("Removed webhook 1: http://127.0.0.1:9/x");
    const again = await tillroll(["webhook", "remove", "1", ...flags]);
    expect(again.code).not.toBe(0);
    expect(again.stderr.trim()).toBe("tillroll: no webhook 1 (tillroll webhook list shows them)");
  });
});
