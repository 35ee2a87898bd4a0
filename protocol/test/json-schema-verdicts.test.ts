import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsPlugin from "ajv-formats";
import { describe, expect, it } from "vitest";
import {
  createSigner,
  decodeDesired,
  decodePayload,
  EXAMPLE_DESCRIPTOR,
  EXAMPLE_PAYLOADS,
  functionPackDescriptorSchema,
  generateSigningKeyPair,
  MAX_PAYLOAD_BYTES,
  PACK_PATH_PATTERN,
  packPathProblem,
  parseJson,
  parsePublicKey,
  type Result,
  signedEnvelopeSchema,
  TOPIC_KINDS,
  type TopicKind,
  trustedKeys,
  unwrap,
  validate,
} from "../src/index.js";

/*
 * The committed JSON Schema files (protocol/schema/*.json, what POS vendors
 * validate with) must say exactly what the code accepts. Every example below
 * is JSON text; it is judged by an independent validator (ajv 8, draft
 * 2020-12, with ajv-formats) against the committed file, and by the code's
 * own parser (decodePayload, decodeDesired of a signed envelope, the
 * descriptor schema). Both verdicts must be the documented one.
 *
 * The only rules JSON Schema cannot express are listed in PROTOCOL.md ("JSON
 * Schema files"): the payload size limit and the node-semver range check.
 * Examples that only those rules refuse are marked `codeOnly`: the JSON
 * Schema accepts them and the code refuses them.
 */

type Document = TopicKind | "function-pack-descriptor" | "signed-envelope";

interface Example {
  name: string;
  text: string;
  accepted: boolean;
  /** A rule JSON Schema cannot express refuses it (see PROTOCOL.md). */
  codeOnly?: "payload size" | "semver range" | "time zone";
}

// ajv-formats is CommonJS; its default export arrives as the module under NodeNext typing.
const addFormats = ((addFormatsPlugin as { default?: unknown }).default ??
  addFormatsPlugin) as unknown as (ajv: Ajv2020) => Ajv2020;
const ajv = addFormats(new Ajv2020({ strict: true, allErrors: true }));

function jsonSchemaFile(document: Document): object {
  const url = new URL(`../schema/${document}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, "utf8")) as object;
}

const validators = new Map(
  [...TOPIC_KINDS, "function-pack-descriptor" as const, "signed-envelope" as const].map(
    (document) => [document, ajv.compile(jsonSchemaFile(document))],
  ),
);

function jsonSchemaVerdict(document: Document, text: string): boolean {
  const check = validators.get(document);
  if (check === undefined) throw new Error(`no JSON Schema for ${document}`);
  return check(JSON.parse(text)) === true;
}

const keys = generateSigningKeyPair();
const signer = createSigner(keys.privateKeyPem);
const trusted = trustedKeys(unwrap(parsePublicKey(keys.publicKey)));

function codeVerdict(document: Document, text: string): Result<unknown> {
  switch (document) {
    case "desired":
      // As an agent receives it: the exact text signed into an envelope.
      return decodeDesired(JSON.stringify(signer.sign(text)), trusted);
    case "function-pack-descriptor": {
      const json = parseJson(text, "descriptor");
      return json.ok ? validate(functionPackDescriptorSchema, json.value) : json;
    }
    case "signed-envelope": {
      const json = parseJson(text, "envelope");
      return json.ok ? validate(signedEnvelopeSchema, json.value) : json;
    }
    default:
      return decodePayload(document, text);
  }
}

type Json = Record<string, unknown>;

/** `base` with the top-level fields of `patch` replaced (`undefined` removes one), as JSON text. */
function withFields(base: unknown, patch: Json): string {
  return JSON.stringify({ ...(base as Json), ...patch });
}

const accept = (name: string, text: string): Example => ({ name, text, accepted: true });
const refuse = (name: string, text: string, codeOnly?: Example["codeOnly"]): Example => ({
  name,
  text,
  accepted: false,
  ...(codeOnly === undefined ? {} : { codeOnly }),
});

const emoji = (count: number) => "\u{1F600}".repeat(count); // 2 UTF-16 units, 1 character
const services = (count: number, service: unknown) =>
  Object.fromEntries(Array.from({ length: count }, (_, i) => [`fn-${i}`, service]));

/** Rules of the three header fields and of unknown fields, for every message. */
function headerExamples(base: unknown): Example[] {
  const text = JSON.stringify(base);
  const set = (patch: Json) => withFields(base, patch);
  return [
    accept("the documented example", text),
    // JSON has one number type: 1.0 is the number 1, an integer for JSON Schema too.
    accept("schema 1.0 (the same JSON number as 1)", text.replace('"schema":1,', '"schema":1.0,')),
    refuse("schema 1.5", set({ schema: 1.5 })),
    refuse('schema "1"', set({ schema: "1" })),
    refuse("schema 2", set({ schema: 2 })),
    refuse("schema missing", set({ schema: undefined })),
    refuse("seq 1.5", set({ seq: 1.5 })),
    refuse("seq -1", set({ seq: -1 })),
    refuse("seq 2^53", set({ seq: 2 ** 53 })),
    accept("seq 2^53-1", set({ seq: Number.MAX_SAFE_INTEGER })),
    refuse("ts with an offset", set({ ts: "2026-11-21T10:30:00+01:00" })),
    refuse("ts without seconds", set({ ts: "2026-11-21T09:30Z" })),
    refuse("ts on 30 February", set({ ts: "2026-02-30T09:30:00Z" })),
    accept("ts without fraction", set({ ts: "2026-11-21T09:30:00Z" })),
    accept("an unknown field", set({ comment: "ignored" })),
    refuse(
      "above 256 KiB (an unknown field makes it large)",
      set({ padding: "x".repeat(MAX_PAYLOAD_BYTES) }),
      "payload size",
    ),
  ];
}

const desired = EXAMPLE_PAYLOADS.desired;
const pending = desired.services["pos-client"];
const idle = desired.services["price-sync"];
const setDesired = (patch: Json) => withFields(desired, patch);
const setPending = (patch: Json) =>
  setDesired({ services: { "pos-client": { ...pending, ...patch } } });
const setArtifact = (patch: Json) => setPending({ artifact: { ...pending?.artifact, ...patch } });
const window = {
  tz: "Europe/Berlin",
  days: ["mon", "tue", "sat"],
  start: "02:00",
  durationMinutes: 180,
};
const setWindow = (patch: Json) => setPending({ window: { ...window, ...patch } });

const status = EXAMPLE_PAYLOADS.status;
const inProgress = status.services["pos-client"];
const setStatus = (patch: Json) => withFields(status, patch);
const setInProgress = (patch: Json) =>
  setStatus({ services: { "pos-client": { ...inProgress, ...patch } } });

const setPresence = (patch: Json) => withFields(EXAMPLE_PAYLOADS.presence, patch);
const setSession = (patch: Json) => withFields(EXAMPLE_PAYLOADS.session, patch);
const setMaintenance = (patch: Json) => withFields(EXAMPLE_PAYLOADS.maintenance, patch);
const setNotice = (patch: Json) => withFields(EXAMPLE_PAYLOADS.notice, patch);
const setPos = (patch: Json) => withFields(EXAMPLE_PAYLOADS.pos, patch);
const setLog = (patch: Json) => withFields(EXAMPLE_PAYLOADS.log, patch);

const descriptor = EXAMPLE_DESCRIPTOR;
const setDescriptor = (patch: Json) => withFields(descriptor, patch);
const setService = (patch: Json) => setDescriptor({ service: { ...descriptor.service, ...patch } });
const setHealth = (patch: Json) =>
  setService({ health: { ...descriptor.service.health, ...patch } });
const withStart = (start: string) => setService({ start });

const envelope = signer.sign("{}");
const setEnvelope = (patch: Json) => withFields(envelope, patch);

const EXAMPLES: Record<Document, Example[]> = {
  desired: [
    ...headerExamples(desired),
    accept("64 services", setDesired({ services: services(64, pending) })),
    refuse("65 services", setDesired({ services: services(65, pending) })),
    refuse('a service named "../x"', setDesired({ services: { "../x": pending } })),
    refuse("a service named .x", setDesired({ services: { ".x": idle } })),
    refuse('store "10/01"', setDesired({ store: "10/01" })),
    refuse("store of 65 characters", setDesired({ store: "1".repeat(65) })),
    refuse("a version without artifact", setPending({ artifact: null })),
    refuse("a version without requestId", setPending({ requestId: null })),
    refuse("an artifact without version", setPending({ preferredVersion: null })),
    accept(
      "no version, no artifact, a requestId",
      setPending({ preferredVersion: null, artifact: null }),
    ),
    refuse('version "1.1"', setPending({ preferredVersion: "1.1" })),
    accept("a prerelease", setPending({ preferredVersion: "1.1.0-rc.1" })),
    refuse("an ftp URL", setArtifact({ url: "ftp://host/pack.tgz" })),
    refuse("a URL with a space", setArtifact({ url: "http://host/a b.tgz" })),
    accept("a URL of 2048 characters", setArtifact({ url: `http://h/${"a".repeat(2039)}` })),
    refuse("a URL of 2049 characters", setArtifact({ url: `http://h/${"a".repeat(2040)}` })),
    refuse("an upper-case sha256", setArtifact({ sha256: "A".repeat(64) })),
    refuse("size 0", setArtifact({ size: 0 })),
    refuse("size 1.5", setArtifact({ size: 1.5 })),
    // Issue 11: optional window and redeploy
    accept("a maintenance window", setPending({ window })),
    accept("window null", setPending({ window: null })),
    accept(
      "window in Asia/Kolkata for 24h",
      setWindow({ tz: "Asia/Kolkata", durationMinutes: 1440 }),
    ),
    accept("a window with an unknown field (dropped)", setWindow({ endBehaviour: "finish" })),
    refuse(
      "a window in a zone that does not exist",
      setWindow({ tz: "Europe/Atlantis" }),
      "time zone",
    ),
    refuse("a window zone of 65 characters", setWindow({ tz: "A".repeat(65) })),
    refuse('window start "24:00"', setWindow({ start: "24:00" })),
    refuse('window start "2:00"', setWindow({ start: "2:00" })),
    refuse("window without days", setWindow({ days: [] })),
    refuse('window day "monday"', setWindow({ days: ["monday"] })),
    refuse("window listing a day twice", setWindow({ days: ["mon", "mon"] })),
    refuse("window duration 0", setWindow({ durationMinutes: 0 })),
    refuse("window duration 1441", setWindow({ durationMinutes: 1441 })),
    refuse("window duration 1.5", setWindow({ durationMinutes: 1.5 })),
    refuse("window without start", setWindow({ start: undefined })),
    refuse('window "mon-sat 02:00"', setPending({ window: "mon-sat 02:00" })),
    accept("redeploy true", setPending({ redeploy: true })),
    accept("redeploy false", setPending({ redeploy: false })),
    refuse('redeploy "yes"', setPending({ redeploy: "yes" })),
  ],
  status: [
    ...headerExamples(status),
    refuse("65 services", setStatus({ services: services(65, status.services["price-sync"]) })),
    accept("desiredSeq null", setStatus({ desiredSeq: null })),
    refuse("desiredSeq -1", setStatus({ desiredSeq: -1 })),
    refuse('status "Done"', setInProgress({ status: "Done" })),
    refuse("In Progress without phase", setInProgress({ phase: null })),
    refuse("OK with a phase", setInProgress({ status: "OK" })),
    refuse("Not Ready without reason", setInProgress({ status: "Not Ready", phase: null })),
    accept(
      "Rolled Back with a reason",
      setInProgress({ status: "Rolled Back", phase: null, reason: "health check failed" }),
    ),
    accept("OK with a reason", setInProgress({ status: "OK", phase: null, reason: "done" })),
    refuse("an empty reason", setInProgress({ reason: "" })),
    accept("a reason of 1024 emoji", setInProgress({ reason: emoji(1024) })),
    refuse("a reason of 1025 characters", setInProgress({ reason: emoji(1025) })),
    accept("progress 37.5", setInProgress({ progress: 37.5 })),
    refuse("progress 101", setInProgress({ progress: 101 })),
    refuse("updatedAt missing", setInProgress({ updatedAt: undefined })),
  ],
  presence: [
    ...headerExamples(EXAMPLE_PAYLOADS.presence),
    refuse('state "away"', setPresence({ state: "away" })),
    accept("agentVersion null", setPresence({ agentVersion: null })),
    accept("agentVersion of 64 emoji", setPresence({ agentVersion: emoji(64) })),
    refuse("agentVersion of 65 characters", setPresence({ agentVersion: "1".repeat(65) })),
    accept("capabilities window, redeploy", setPresence({ capabilities: ["window", "redeploy"] })),
    accept("no capabilities", setPresence({ capabilities: [] })),
    accept("a capability this version does not know", setPresence({ capabilities: ["teleport"] })),
    accept("16 capabilities", setPresence({ capabilities: Array(16).fill("window") })),
    refuse("17 capabilities", setPresence({ capabilities: Array(17).fill("window") })),
    accept("a capability of 32 characters", setPresence({ capabilities: ["c".repeat(32)] })),
    refuse("a capability of 33 characters", setPresence({ capabilities: ["c".repeat(33)] })),
    refuse("an empty capability", setPresence({ capabilities: [""] })),
    refuse('capabilities "window"', setPresence({ capabilities: "window" })),
  ],
  pos: [
    ...headerExamples(EXAMPLE_PAYLOADS.pos),
    accept('state "offline"', setPos({ state: "offline" })),
    refuse('state "away"', setPos({ state: "away" })),
    refuse("state missing", setPos({ state: undefined })),
  ],
  session: [
    ...headerExamples(EXAMPLE_PAYLOADS.session),
    accept("maintenanceSeq 0", setSession({ maintenanceSeq: 0 })),
    accept("maintenanceSeq null", setSession({ maintenanceSeq: null })),
    refuse("maintenanceSeq -1", setSession({ maintenanceSeq: -1 })),
    accept("no users", setSession({ users: [] })),
    refuse("an empty user name", setSession({ users: [""] })),
    accept("64 users", setSession({ users: Array(64).fill("bob") })),
    refuse("65 users", setSession({ users: Array(65).fill("bob") })),
    accept("a user name of 64 emoji", setSession({ users: [emoji(64)] })),
    refuse("a user name of 65 characters", setSession({ users: ["u".repeat(65)] })),
    refuse('transactionInProgress "false"', setSession({ transactionInProgress: "false" })),
    refuse("users missing", setSession({ users: undefined })),
  ],
  maintenance: [
    ...headerExamples(EXAMPLE_PAYLOADS.maintenance),
    accept("inactive", setMaintenance({ active: false, functions: [], reason: null })),
    refuse("65 functions", setMaintenance({ functions: Array(65).fill("f") })),
    refuse('function "../x"', setMaintenance({ functions: ["../x"] })),
    refuse("a reason of 1025 characters", setMaintenance({ reason: "r".repeat(1025) })),
    refuse('active "yes"', setMaintenance({ active: "yes" })),
  ],
  notice: [
    ...headerExamples(EXAMPLE_PAYLOADS.notice),
    refuse('level "error"', setNotice({ level: "error" })),
    refuse("an empty text", setNotice({ text: "" })),
    accept("text of 1024 emoji", setNotice({ text: emoji(1024) })),
    refuse("text of 1025 characters", setNotice({ text: "t".repeat(1025) })),
    accept("no function, no time", setNotice({ function: null, at: null })),
  ],
  log: [
    ...headerExamples(EXAMPLE_PAYLOADS.log),
    refuse('level "debug"', setLog({ level: "debug" })),
    refuse('source "hook"', setLog({ source: "hook" })),
    accept("stream null", setLog({ stream: null })),
    accept("version null", setLog({ version: null })),
    accept("a line of 4096 characters", setLog({ line: "l".repeat(4096) })),
    refuse("a line of 4097 characters", setLog({ line: "l".repeat(4097) })),
  ],
  "function-pack-descriptor": [
    accept("the documented example", JSON.stringify(descriptor)),
    accept(
      "the smallest descriptor",
      JSON.stringify({ name: "f", version: "1.0.0", service: { start: "run" } }),
    ),
    refuse("start ../bin/start", withStart("../bin/start")),
    refuse("start /bin/start", withStart("/bin/start")),
    refuse('start ""', withStart("")),
    refuse("start bin/..", withStart("bin/..")),
    refuse("start a/../b", withStart("a/../b")),
    refuse("start with a backslash", withStart("bin\\start")),
    refuse("start with NUL", withStart("bin/start\u0000")),
    refuse("start with a newline, then ..", withStart("a\n/../b")),
    accept("start ./bin/start", withStart("./bin/start")),
    accept("start ..bin/x..", withStart("..bin/x..")),
    accept("start of 256 characters", withStart("b".repeat(256))),
    refuse("start of 257 characters", withStart("b".repeat(257))),
    accept("start of 256 emoji", withStart(emoji(256))),
    refuse("hooks.beforeInstall /x", setDescriptor({ hooks: { beforeInstall: "/x" } })),
    refuse("an unknown field", setDescriptor({ author: "me" })),
    refuse("an unknown field in service", setService({ restart: "always" })),
    refuse("a health check with command and http", setHealth({ http: "http://127.0.0.1/h" })),
    refuse("a health check with neither", setService({ health: {} })),
    accept("an http health check, defaults", setService({ health: { http: "https://h/ok" } })),
    refuse("timeoutSeconds 0", setHealth({ timeoutSeconds: 0 })),
    accept("timeoutSeconds 3600", setHealth({ timeoutSeconds: 3600 })),
    refuse("intervalSeconds 0.05", setHealth({ intervalSeconds: 0.05 })),
    accept("unit pos.service", setService({ unit: "pos.service" })),
    refuse("unit pos", setService({ unit: "pos" })),
    refuse('version "1.1"', setDescriptor({ version: "1.1" })),
    refuse('updatableFrom ""', setDescriptor({ updatableFrom: "" })),
    refuse(
      'updatableFrom "sometimes"',
      setDescriptor({ updatableFrom: "sometimes" }),
      "semver range",
    ),
  ],
  "signed-envelope": [
    accept("a signed example", JSON.stringify(signer.sign(JSON.stringify(desired)))),
    refuse("an upper-case keyId", setEnvelope({ keyId: "ABCDEF0123456789" })),
    refuse("a short sig", setEnvelope({ sig: "AAAA" })),
    refuse("payload as an object", setEnvelope({ payload: {} })),
    accept("an unknown field", setEnvelope({ note: "x" })),
  ],
};

const table = Object.entries(EXAMPLES).flatMap(([document, examples]) =>
  examples.map((example) => [document as Document, example.name, example] as const),
);

describe("JSON Schema files and the code agree", () => {
  it.each(table)("%s: %s", (document, _name, example) => {
    const code = codeVerdict(document, example.text);
    const schema = jsonSchemaVerdict(document, example.text);
    const codeError = code.ok ? "" : code.error;
    expect(code.ok, `code's verdict (${codeError})`).toBe(example.accepted);
    if (example.codeOnly === undefined) {
      expect(schema, "JSON Schema's verdict").toBe(example.accepted);
    } else {
      // A rule JSON Schema cannot express: the file accepts, the code refuses.
      expect(schema, `JSON Schema cannot check the ${example.codeOnly}`).toBe(true);
      const named = {
        "payload size": /bytes/,
        "semver range": /semver range/,
        "time zone": /IANA/,
      };
      expect(codeError).toMatch(named[example.codeOnly]);
    }
  });

  it("a length is counted in characters, as JSON Schema counts it, and the error says so", () => {
    const text = JSON.stringify({ ...EXAMPLE_PAYLOADS.notice, text: emoji(1025) });
    expect(decodePayload("notice", text)).toEqual({
      ok: false,
      error: "notice: text: is longer than 1024 characters (got 1025)",
    });
  });

  it.each([...TOPIC_KINDS])("%s.json: schema is an integer, as PROTOCOL.md says", (kind) => {
    const file = jsonSchemaFile(kind) as { properties: { schema: object } };
    expect(file.properties.schema).toMatchObject({ type: "integer", const: 1 });
  });

  it.each([
    "bin/start",
    "./bin/start",
    "..bin/x..",
    "a b/c",
    "",
    "/bin/start",
    "../bin/start",
    "bin/..",
    "a/../b",
    "..",
    "bin\\start",
    "bin/\u0000",
    "a\n/../b",
  ])("PACK_PATH_PATTERN and packPathProblem agree on %j", (path) => {
    expect(PACK_PATH_PATTERN.test(path)).toBe(packPathProblem(path) === null);
    expect(new RegExp(PACK_PATH_PATTERN.source, "u").test(path)).toBe(
      packPathProblem(path) === null,
    );
  });

  it("every document has accepted and refused examples", () => {
    for (const [document, examples] of Object.entries(EXAMPLES)) {
      expect(
        examples.some((e) => e.accepted),
        document,
      ).toBe(true);
      expect(
        examples.some((e) => !e.accepted && e.codeOnly === undefined),
        document,
      ).toBe(true);
    }
  });
});
