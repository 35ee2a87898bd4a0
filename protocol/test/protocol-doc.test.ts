import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  ACTION_KINDS,
  type ActionKind,
  allowedVersions,
  applyAction,
  DEFAULT_TOPIC_ROOT,
  decodeDesired,
  decodePayload,
  EXAMPLE_DESCRIPTOR,
  EXAMPLE_PAYLOADS,
  FUNCTION_NAME_PATTERN,
  functionPackDescriptorSchema,
  ID_PATTERN,
  keyIdOf,
  MAX_GROUP_LENGTH,
  MAX_ID_LENGTH,
  MAX_LOG_LINE_LENGTH,
  MAX_PACK_PATH_LENGTH,
  MAX_PAYLOAD_BYTES,
  MAX_RANGE_LENGTH,
  MAX_REASON_LENGTH,
  MAX_SERVICES_PER_WORKSTATION,
  MAX_SESSION_USERS,
  MAX_URL_LENGTH,
  MAX_VERSION_LENGTH,
  type OperatorAction,
  PAYLOAD_SCHEMAS,
  type Party,
  PHASES,
  parsePublicKey,
  renderJsonSchemas,
  SCHEMA_VERSION,
  STATUSES,
  signedEnvelopeSchema,
  TOPIC_KINDS,
  TOPIC_SPECS,
  type TopicKind,
  topicFor,
  trustedKeys,
  unwrap,
  validate,
} from "../src/index.js";

/*
 * PROTOCOL.md is read by people, but its examples and tables are checked here
 * against the package, so the document cannot drift from the code. The
 * conventions this test relies on:
 *
 * - every topic kind has a section headed exactly "### `{kind}`";
 * - in it, the line "Example:" is followed by the section's first ```json
 *   block, the example document (for `desired`, the inner document);
 * - the `desired` section also has a line "Signed envelope:" followed by the
 *   envelope's ```json block, and names the key that signed it as
 *   `ed25519:...`;
 * - the first line of a topic section is "Publisher → subscribers · retained
 *   · QoS 1 · signed", parts separated by " · ";
 * - "## Topics" holds the summary table, one row per kind starting with
 *   "| `{kind}` |";
 * - "## `function-pack-descriptor.json`" has its own "Example:" block;
 * - "## Accounts" defines the shell variables (`NAME=...` lines) that every
 *   `mosquitto_sub` / `mosquitto_pub` line uses for host, port and account
 *   (test/e2e/protocol-doc-examples.test.ts runs those lines against a real
 *   coordinator);
 * - "## Statuses", "### Phases", "### Operator actions", "## Limits" and
 *   "## JSON Schema files" hold one table row per status, phase, status,
 *   limit constant and schema file.
 *
 * A section is the text from its heading to the next heading of any level.
 */
const text = readFileSync(new URL("../PROTOCOL.md", import.meta.url), "utf8");
const lines = text.split("\n");

function section(heading: string): string[] {
  const start = lines.indexOf(heading);
  if (start === -1) throw new Error(`PROTOCOL.md has no heading ${JSON.stringify(heading)}`);
  const end = lines.findIndex((line, index) => index > start && /^#{1,6} /.test(line));
  return lines.slice(start + 1, end === -1 ? undefined : end);
}

const topicSection = (kind: TopicKind) => section(`### \`${kind}\``);

/** Index of the ```json line that follows the line `label` (blank lines allowed between). */
function jsonBlockAfter(body: readonly string[], label: string): number {
  const at = body.indexOf(label);
  if (at === -1) throw new Error(`no line ${JSON.stringify(label)} in the section`);
  let index = at + 1;
  while (body[index]?.trim() === "") index++;
  if (body[index] !== "```json") throw new Error(`no \`\`\`json block right after ${label}`);
  return index;
}

function parseBlock(body: readonly string[], open: number): unknown {
  const close = body.indexOf("```", open + 1);
  if (close === -1) throw new Error("unterminated ```json block");
  return JSON.parse(body.slice(open + 1, close).join("\n")) as unknown;
}

function jsonAfter(body: readonly string[], label: string): unknown {
  return parseBlock(body, jsonBlockAfter(body, label));
}

/** The cells of a Markdown table row, trimmed. */
function cells(row: string): string[] {
  return row
    .split("|")
    .slice(1, -1)
    .map((cell) => cell.trim());
}

function row(body: readonly string[], first: string): string[] {
  const found = body.find((line) => line.startsWith("|") && cells(line)[0] === first);
  if (found === undefined) throw new Error(`no table row for ${first}`);
  return cells(found);
}

function problem(result: { ok: true } | { ok: false; error: string }): string {
  return result.ok ? "" : result.error;
}

const partyName = (party: Party) => (party === "pos" ? "POS" : party);
const yesNo = (flag: boolean) => (flag ? "yes" : "no");
const exampleWs = { store: "1001", workstation: "01" };

describe("PROTOCOL.md topic sections", () => {
  it.each(TOPIC_KINDS)("%s: the first json block follows `Example:`", (kind) => {
    const body = topicSection(kind);
    expect(jsonBlockAfter(body, "Example:")).toBe(body.indexOf("```json"));
  });

  it.each(TOPIC_KINDS)("%s: the example validates against PAYLOAD_SCHEMAS", (kind) => {
    const example = jsonAfter(topicSection(kind), "Example:");
    expect(problem(validate(PAYLOAD_SCHEMAS[kind], example))).toBe("");
  });

  it.each(TOPIC_KINDS)("%s: the example is EXAMPLE_PAYLOADS verbatim", (kind) => {
    expect(jsonAfter(topicSection(kind), "Example:")).toEqual(EXAMPLE_PAYLOADS[kind]);
  });

  it.each(TOPIC_KINDS)("%s: the first line states publisher, retention, QoS, signing", (kind) => {
    const spec = TOPIC_SPECS[kind];
    const first = topicSection(kind).find((line) => line.trim() !== "") ?? "";
    const [route, retained, qos, signed] = first.split(" · ");
    const expected = `${partyName(spec.publisher)} → ${spec.subscribers.map(partyName).join(", ")}`;
    expect(route?.toLowerCase()).toBe(expected.toLowerCase());
    expect(retained).toBe(spec.retained ? "retained" : "not retained");
    expect(qos).toBe(`QoS ${spec.qos}`);
    expect(signed).toBe(spec.signed ? "**signed**" : "not signed");
  });

  // A POS vendor tries every kind the POS touches; `desired` shows what an agent receives.
  const tried = TOPIC_KINDS.filter(
    (kind) =>
      kind === "desired" ||
      TOPIC_SPECS[kind].publisher === "pos" ||
      TOPIC_SPECS[kind].subscribers.includes("pos"),
  );
  it.each(tried)("%s: the section has a mosquitto command on its topic", (kind) => {
    const topic = `-t '${topicFor(kind, exampleWs)}'`;
    const commands = topicSection(kind).filter((line) => /^mosquitto_(sub|pub) /.test(line));
    expect(commands.length).toBeGreaterThan(0);
    for (const command of commands) expect(command).toContain(topic);
  });

  it.each(TOPIC_KINDS)("%s: the summary table row matches TOPIC_SPECS", (kind) => {
    const spec = TOPIC_SPECS[kind];
    expect(row(section("## Topics"), `\`${kind}\``)).toEqual([
      `\`${kind}\``,
      `${partyName(spec.publisher)} → ${spec.subscribers.map(partyName).join(", ")}`,
      yesNo(spec.retained),
      String(spec.qos),
      yesNo(spec.signed),
      spec.description,
    ]);
  });
});

describe("PROTOCOL.md mosquitto commands", () => {
  const commands = lines.filter((line) => /^mosquitto_(sub|pub) /.test(line));
  const defined = section("## Accounts")
    .map((line) => /^([A-Z_]+)=/.exec(line)?.[1])
    .filter((name) => name !== undefined);

  it("the Accounts section defines the variables the commands use", () => {
    expect(defined).toEqual([
      "BROKER_HOST",
      "BROKER_PORT",
      "POS_USER",
      "POS_PASS",
      "AGENT_USER",
      "AGENT_PASS",
    ]);
  });

  it.each(commands)("%s", (command) => {
    expect(command).toContain(' -h "$BROKER_HOST" -p "$BROKER_PORT" ');
    expect(command).toContain(" -V mqttv311 ");
    expect(command).toContain(" -q 1 ");
    for (const [, name] of command.matchAll(/\$([A-Z_]+)/g)) expect(defined).toContain(name);
    expect(command).toMatch(/ -u "\$(POS|AGENT)_USER" -P "\$\1_PASS" /);
    const topic = / -t '([^']+)'/.exec(command)?.[1] ?? "";
    expect(TOPIC_KINDS.map((kind) => topicFor(kind, exampleWs))).toContain(topic);
  });
});

describe("PROTOCOL.md session commands", () => {
  const published = topicSection("session")
    .filter((line) => line.startsWith("mosquitto_pub "))
    .map((line) => {
      const payload = /-m '([^']*)'$/.exec(line)?.[1];
      if (payload === undefined) throw new Error(`no -m '...' payload in: ${line}`);
      return { line, payload };
    });

  it.each(published.map((entry, index) => [index + 1, entry] as const))(
    "mosquitto_pub %i publishes a valid session document, retained, QoS 1",
    (_index, { line, payload }) => {
      expect(line).toContain(` -r -q 1 -t '${topicFor("session", exampleWs)}' `);
      expect(problem(decodePayload("session", payload))).toBe("");
    },
  );

  it("shows a login and a logout, with seq increasing", () => {
    const docs = published.map(({ payload }) => unwrap(decodePayload("session", payload)));
    expect(docs.map((doc) => doc.users.length > 0)).toEqual([true, false]);
    const [login, logout] = docs;
    expect(logout?.seq).toBeGreaterThan(login?.seq ?? Number.POSITIVE_INFINITY);
  });
});

describe("PROTOCOL.md signed desired envelope", () => {
  const body = topicSection("desired");
  const envelope = jsonAfter(body, "Signed envelope:");

  it("validates against signedEnvelopeSchema and carries the example as its payload", () => {
    const checked = validate(signedEnvelopeSchema, envelope);
    expect(problem(checked)).toBe("");
    if (!checked.ok) return;
    expect(checked.value.payload).toBe(JSON.stringify(EXAMPLE_PAYLOADS.desired));
    expect(JSON.parse(checked.value.payload)).toEqual(jsonAfter(body, "Example:"));
  });

  it("verifies with the example key the section names, whose key id it states", () => {
    const publicKey = /`(ed25519:[A-Za-z0-9_-]{43})`/.exec(body.join("\n"))?.[1];
    expect(publicKey, "the desired section names its example key").toBeDefined();
    const key = unwrap(parsePublicKey(publicKey ?? ""));
    const keyId = keyIdOf(key);
    expect((envelope as { keyId?: unknown }).keyId).toBe(keyId);
    expect(body.join("\n")).toContain(`(key id \`${keyId}\`)`);
    const decoded = decodeDesired(JSON.stringify(envelope), trustedKeys(key));
    expect(problem(decoded)).toBe("");
    if (decoded.ok) expect(decoded.value).toEqual(EXAMPLE_PAYLOADS.desired);
  });
});

describe("PROTOCOL.md function-pack-descriptor.json", () => {
  const body = section("## `function-pack-descriptor.json`");

  it("the example validates against functionPackDescriptorSchema", () => {
    expect(jsonBlockAfter(body, "Example:")).toBe(body.indexOf("```json"));
    expect(problem(validate(functionPackDescriptorSchema, jsonAfter(body, "Example:")))).toBe("");
  });

  it("the example is EXAMPLE_DESCRIPTOR verbatim", () => {
    expect(jsonAfter(body, "Example:")).toEqual(EXAMPLE_DESCRIPTOR);
  });

  it("the worked allowed-versions example is what allowedVersions returns", () => {
    const choices = allowedVersions("1.0.0", [
      { version: "0.9.0" },
      { version: "1.0.0" },
      { version: "1.1.0-rc.1", updatableFrom: "^1.0.0" },
      { version: "1.1.0", updatableFrom: ">=1.0.0 <1.1.0" },
      { version: "1.2.0", updatableFrom: ">=1.1.0" },
    ]);
    const sentence = `the choices are ${choices.map((version) => `\`${version}\``).join(", ")}.`;
    expect(section("### Allowed versions").join(" ")).toContain(sentence);
  });
});

describe("PROTOCOL.md statuses", () => {
  it.each(STATUSES)("%s has a row in the Statuses table", (status) => {
    expect(row(section("## Statuses"), status)[1]).not.toBe("");
  });

  it.each(PHASES)("phase %s has a row in the Phases table", (phase) => {
    expect(row(section("### Phases"), `\`${phase}\``)[1]).not.toBe("");
  });

  const columns: Record<ActionKind, string> = {
    "set-preferred": "set preferred version",
    skip: "skip (`-`)",
    retry: "retry",
  };
  const probes: Record<ActionKind, OperatorAction> = {
    "set-preferred": { kind: "set-preferred", version: "1.2.0" },
    skip: { kind: "skip" },
    retry: { kind: "retry" },
  };
  const cases = STATUSES.flatMap((status) => ACTION_KINDS.map((kind) => [status, kind] as const));

  it.each(cases)("operator actions: %s × %s agrees with applyAction", (status, kind) => {
    const body = section("### Operator actions");
    const header = row(body, "status");
    expect(header).toEqual(["status", ...ACTION_KINDS.map((action) => columns[action])]);
    const cell = row(body, status)[header.indexOf(columns[kind])] ?? "";
    const outcome = applyAction({ status, preferredVersion: "1.1.0" }, probes[kind]);
    if (!outcome.allowed) {
      expect(cell).toMatch(/^refused: /);
      return;
    }
    expect(cell.startsWith(`→ ${outcome.status},`)).toBe(true);
    expect(cell.includes("new request")).toBe(outcome.newRequest);
    expect(cell.includes("preferred `-`")).toBe(outcome.preferredVersion === null);
  });
});

describe("PROTOCOL.md reference facts", () => {
  const limits: [string, number][] = Object.entries({
    MAX_PAYLOAD_BYTES,
    MAX_ID_LENGTH,
    MAX_REASON_LENGTH,
    MAX_LOG_LINE_LENGTH,
    MAX_SERVICES_PER_WORKSTATION,
    MAX_SESSION_USERS,
    MAX_URL_LENGTH,
    MAX_PACK_PATH_LENGTH,
    MAX_GROUP_LENGTH,
    MAX_VERSION_LENGTH,
    MAX_RANGE_LENGTH,
  });

  it.each(limits)("the Limits table states %s = %i", (name, value) => {
    const found = section("## Limits").find((line) => line.includes(`| \`${name}\` |`));
    expect(found).toBeDefined();
    expect(cells(found ?? "")[1]?.split(" ")[0]).toBe(String(value));
  });

  it.each(Object.keys(renderJsonSchemas()))("the JSON Schema table lists %s", (name) => {
    expect(row(section("## JSON Schema files"), `\`${name}\``)[1]).not.toBe("");
  });

  it.each([
    ["the default topic root", `default \`${DEFAULT_TOPIC_ROOT}\``],
    ["the topic layout", "`{root}/ws/{store}/{ws}/{kind}`"],
    ["the id pattern", `\`${ID_PATTERN.source}\``],
    ["the function name pattern", `\`${FUNCTION_NAME_PATTERN.source}\``],
    ["the schema version", `always \`${SCHEMA_VERSION}\``],
    ["the payload limit in KiB", `${MAX_PAYLOAD_BYTES / 1024} KiB`],
  ])("states %s", (_what, needle) => {
    expect(text).toContain(needle);
  });
});
