import { describe, expect, it } from "vitest";
import {
  decodePayload,
  EXAMPLE_PAYLOADS,
  encodePayload,
  MAX_PAYLOAD_BYTES,
  PAYLOAD_SCHEMAS,
  TOPIC_KINDS,
  type TopicKind,
  validate,
} from "../src/index.js";

type Doc = Record<string, unknown>;
type Mutation = { name: string; mutate: (doc: Doc) => void; error: RegExp };

function svc(doc: Doc, name: string): Doc {
  return (doc.services as Record<string, Doc>)[name] as Doc;
}

const long = (n: number) => "x".repeat(n);

// For every document: a wrong type, a missing field, an unknown enum value
// (status where there is one) and an oversize string, each naming the field.
const mutations: Record<TopicKind, Mutation[]> = {
  desired: [
    {
      name: "wrong type",
      mutate: (d) => {
        d.seq = "42";
      },
      error: /^seq: expected number, got string "42"$/,
    },
    {
      name: "missing field",
      mutate: (d) => {
        delete d.store;
      },
      error: /^store: is required$/,
    },
    {
      name: "bad semver",
      mutate: (d) => {
        svc(d, "pos-client").preferredVersion = "1.x";
      },
      error: /^services\.pos-client\.preferredVersion: "1\.x" is not a semver version$/,
    },
    {
      name: "oversize string",
      mutate: (d) => {
        (svc(d, "pos-client").artifact as Doc).url = `http://x/${long(3000)}`;
      },
      error: /^services\.pos-client\.artifact\.url: is longer than 2048 characters/,
    },
    {
      name: "version without artifact",
      mutate: (d) => {
        svc(d, "pos-client").artifact = null;
      },
      error: /^services\.pos-client\.artifact: is required when preferredVersion is set$/,
    },
    {
      name: "bad sha256",
      mutate: (d) => {
        (svc(d, "pos-client").artifact as Doc).sha256 = "ABC";
      },
      error: /sha256: "ABC" is not a lowercase hex sha256/,
    },
    {
      name: "bad function name",
      mutate: (d) => {
        (d.services as Doc)["../etc"] = svc(d, "price-sync");
      },
      error: /not a valid function name/,
    },
    {
      name: "wrong schema version",
      mutate: (d) => {
        d.schema = 2;
      },
      error: /^schema: 2 is not one of 1$/,
    },
    {
      name: "timestamp not ISO",
      mutate: (d) => {
        d.ts = "yesterday";
      },
      error: /^ts: "yesterday" is not an ISO 8601 UTC timestamp/,
    },
  ],
  status: [
    {
      name: "wrong type",
      mutate: (d) => {
        d.desiredSeq = true;
      },
      error: /^desiredSeq: expected number, got boolean true$/,
    },
    {
      name: "missing field",
      mutate: (d) => {
        delete svc(d, "pos-client").activeVersion;
      },
      error: /^services\.pos-client\.activeVersion: is required$/,
    },
    {
      name: "unknown status",
      mutate: (d) => {
        svc(d, "pos-client").status = "Done";
      },
      error:
        /^services\.pos-client\.status: "Done" is not one of "OK", "Prepared", "In Progress", "Not Ready", "Rolled Back", "Failed"$/,
    },
    {
      name: "oversize string",
      mutate: (d) => {
        svc(d, "pos-client").reason = long(1025);
      },
      error: /^services\.pos-client\.reason: is longer than 1024 characters \(got 1025\)$/,
    },
    {
      name: "In Progress without phase",
      mutate: (d) => {
        svc(d, "pos-client").phase = null;
      },
      error: /^services\.pos-client\.phase: is required when status is In Progress$/,
    },
    {
      name: "Not Ready without reason",
      mutate: (d) => {
        Object.assign(svc(d, "pos-client"), { status: "Not Ready", phase: null, progress: null });
      },
      error: /^services\.pos-client\.reason: is required when status is Not Ready$/,
    },
    {
      name: "progress above 100",
      mutate: (d) => {
        svc(d, "pos-client").progress = 101;
      },
      error: /^services\.pos-client\.progress: 101 is above the maximum 100$/,
    },
    {
      name: "unknown phase",
      mutate: (d) => {
        svc(d, "pos-client").phase = "dancing";
      },
      error: /phase: "dancing" is not one of/,
    },
  ],
  pos: [
    {
      name: "wrong type",
      mutate: (d) => {
        d.state = 1;
      },
      error: /^state: /,
    },
    {
      name: "oversize string",
      mutate: (d) => {
        d.state = "x".repeat(100_000);
      },
      error: /^state: /,
    },
    {
      name: "unknown state",
      mutate: (d) => {
        d.state = "away";
      },
      error: /^state: /,
    },
    {
      name: "missing field",
      mutate: (d) => {
        delete d.state;
      },
      error: /^state: /,
    },
  ],
  presence: [
    {
      name: "wrong type",
      mutate: (d) => {
        d.state = 1;
      },
      error: /^state: /,
    },
    {
      name: "missing field",
      mutate: (d) => {
        delete d.state;
      },
      error: /^state: is required$/,
    },
    {
      name: "unknown state",
      mutate: (d) => {
        d.state = "away";
      },
      error: /^state: "away" is not one of "online", "offline"$/,
    },
    {
      name: "oversize string",
      mutate: (d) => {
        d.agentVersion = long(65);
      },
      error: /^agentVersion: is longer than 64 characters/,
    },
  ],
  session: [
    {
      name: "wrong type",
      mutate: (d) => {
        d.transactionInProgress = "yes";
      },
      error: /^transactionInProgress: expected boolean, got string "yes"$/,
    },
    {
      name: "missing field",
      mutate: (d) => {
        delete d.users;
      },
      error: /^users: is required$/,
    },
    {
      name: "negative seq",
      mutate: (d) => {
        d.seq = -1;
      },
      error: /^seq: -1 is below the minimum 0$/,
    },
    {
      name: "oversize string",
      mutate: (d) => {
        d.users = [long(65)];
      },
      error: /^users\.0: is longer than 64 characters/,
    },
    {
      name: "too many users",
      mutate: (d) => {
        d.users = Array.from({ length: 65 }, (_, i) => `u${i}`);
      },
      error: /^users: has more than 64 items$/,
    },
  ],
  maintenance: [
    {
      name: "wrong type",
      mutate: (d) => {
        d.active = "on";
      },
      error: /^active: expected boolean, got string "on"$/,
    },
    {
      name: "missing field",
      mutate: (d) => {
        delete d.functions;
      },
      error: /^functions: is required$/,
    },
    {
      name: "oversize string",
      mutate: (d) => {
        d.reason = long(1025);
      },
      error: /^reason: is longer than 1024 characters/,
    },
  ],
  notice: [
    {
      name: "wrong type",
      mutate: (d) => {
        d.text = 5;
      },
      error: /^text: expected string, got number 5$/,
    },
    {
      name: "missing field",
      mutate: (d) => {
        delete d.level;
      },
      error: /^level: is required$/,
    },
    {
      name: "unknown level",
      mutate: (d) => {
        d.level = "panic";
      },
      error: /^level: "panic" is not one of "info", "warning"$/,
    },
    {
      name: "oversize string",
      mutate: (d) => {
        d.text = long(1025);
      },
      error: /^text: is longer than 1024 characters/,
    },
  ],
  log: [
    {
      name: "wrong type",
      mutate: (d) => {
        d.line = ["x"];
      },
      error: /^line: expected string, got array/,
    },
    {
      name: "missing field",
      mutate: (d) => {
        delete d.function;
      },
      error: /^function: is required$/,
    },
    {
      name: "unknown source",
      mutate: (d) => {
        d.source = "cron";
      },
      error: /^source: "cron" is not one of/,
    },
    {
      name: "oversize string",
      mutate: (d) => {
        d.line = long(4097);
      },
      error: /^line: is longer than 4096 characters/,
    },
  ],
};

describe("payload schemas", () => {
  it.each(TOPIC_KINDS)("%s accepts its example", (kind) => {
    const result = validate(PAYLOAD_SCHEMAS[kind], EXAMPLE_PAYLOADS[kind]);
    expect(result).toEqual({ ok: true, value: EXAMPLE_PAYLOADS[kind] });
  });

  const rows = TOPIC_KINDS.flatMap((kind) => mutations[kind].map((m) => ({ kind, ...m })));
  it.each(rows)("$kind refuses: $name", ({ kind, mutate, error }) => {
    const doc = structuredClone(EXAMPLE_PAYLOADS[kind]) as unknown as Doc;
    mutate(doc);
    const result = validate(PAYLOAD_SCHEMAS[kind], doc);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.split("\n")[0]).toMatch(error);
  });

  it("every kind has the required refusals (and the status document an unknown status)", () => {
    for (const kind of TOPIC_KINDS) {
      const names = mutations[kind].map((m) => m.name);
      expect(names).toEqual(
        expect.arrayContaining(["wrong type", "missing field", "oversize string"]),
      );
    }
    expect(mutations.status.map((m) => m.name)).toContain("unknown status");
  });

  it("names the document when the problem is at its root", () => {
    expect(decodePayload("status", '"hello"')).toEqual({
      ok: false,
      error: 'status document: expected object, got string "hello"',
    });
  });

  it.each(["status", "session", "presence"] as const)(
    "%s: invalid JSON and oversize payloads are refused",
    (kind) => {
      expect(decodePayload(kind, "{not json")).toMatchObject({
        ok: false,
        error: expect.stringMatching(/invalid JSON/),
      });
      const huge = Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 32);
      expect(decodePayload(kind, huge)).toMatchObject({
        ok: false,
        error: expect.stringMatching(/above the limit/),
      });
    },
  );

  it.each(["status", "presence", "session", "maintenance", "notice", "log"] as const)(
    "%s encodes and decodes back to the same document",
    (kind) => {
      const encoded = encodePayload(kind, EXAMPLE_PAYLOADS[kind] as never);
      expect(encoded.ok).toBe(true);
      if (encoded.ok)
        expect(decodePayload(kind, Buffer.from(encoded.value))).toEqual({
          ok: true,
          value: EXAMPLE_PAYLOADS[kind],
        });
    },
  );

  it("encodePayload refuses what the receiver would refuse", () => {
    const bad = { ...EXAMPLE_PAYLOADS.presence, state: "away" } as never;
    expect(encodePayload("presence", bad)).toMatchObject({
      ok: false,
      error: expect.stringContaining("presence document: state:"),
    });
  });
});
