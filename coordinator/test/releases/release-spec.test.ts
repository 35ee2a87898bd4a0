import { ID_PATTERN } from "@tillroll/protocol";
import { describe, expect, it } from "vitest";
import {
  durationMs,
  parseReleaseSpec,
  percentOf,
  releaseSpecSchema,
  requestIdFor,
} from "../../src/releases/release-spec.js";

/** The issue's example document. */
const EXAMPLE = {
  name: "pos-client 1.1.0 spring",
  function: "pos-client",
  version: "1.1.0",
  target: { group: ["DE"] },
  stages: [
    { name: "pilot", target: { store: ["1001"] } },
    { name: "wave 1", percent: 10, checkpoint: "approval" },
    { name: "rest", checkpoint: "trigger" },
  ],
  errorThreshold: "2%",
  successThreshold: "100%",
  stageTimeout: "2h",
  soak: "15m",
  maxPerStore: 1,
  onError: "pause",
};

/** Issue 11's fields as a document without them gets them. */
const ISSUE_11_DEFAULTS = {
  schedule: null,
  forced: false,
  redeploy: false,
  allowDowngrade: false,
  notify: { partnerAdmins: true, storeContacts: false },
};

const MINIMAL = { name: "r", function: "pos-client", version: "1.1.0", stages: [{ name: "all" }] };

describe("parseReleaseSpec: accepted documents", () => {
  it("parses the issue's example as written", () => {
    const parsed = parseReleaseSpec(EXAMPLE);
    expect(parsed).toEqual({
      ok: true,
      value: {
        ...EXAMPLE,
        ...ISSUE_11_DEFAULTS,
        stages: [
          { name: "pilot", target: { store: ["1001"] }, checkpoint: "none" },
          { name: "wave 1", percent: 10, checkpoint: "approval" },
          { name: "rest", checkpoint: "trigger" },
        ],
      },
    });
  });

  it("fills every default", () => {
    expect(parseReleaseSpec(MINIMAL)).toEqual({
      ok: true,
      value: {
        ...MINIMAL,
        target: {},
        stages: [{ name: "all", checkpoint: "none" }],
        errorThreshold: "0%",
        successThreshold: "100%",
        stageTimeout: "2h",
        soak: "0s",
        maxPerStore: null,
        onError: "pause",
        ...ISSUE_11_DEFAULTS,
      },
    });
  });

  const accepted: { name: string; patch: Record<string, unknown> }[] = [
    { name: "a count stage", patch: { stages: [{ name: "a", count: 3 }] } },
    { name: "percent 100", patch: { stages: [{ name: "a", percent: 100 }] } },
    { name: "percent 0.5", patch: { stages: [{ name: "a", percent: 0.5 }] } },
    {
      name: "a checkpoint on the first stage",
      patch: { stages: [{ name: "a", checkpoint: "approval" }] },
    },
    { name: "errorThreshold 100%", patch: { errorThreshold: "100%" } },
    { name: "errorThreshold 0.25%", patch: { errorThreshold: "0.25%" } },
    { name: "successThreshold 0.01%", patch: { successThreshold: "0.01%" } },
    { name: "stageTimeout 1s", patch: { stageTimeout: "1s" } },
    { name: "stageTimeout 1h30m", patch: { stageTimeout: "1h30m" } },
    { name: "stageTimeout 720h (30 days)", patch: { stageTimeout: "720h" } },
    { name: "soak plain 0", patch: { soak: "0" } },
    { name: "soak 1h2m3s", patch: { soak: "1h2m3s" } },
    { name: "maxPerStore null", patch: { maxPerStore: null } },
    { name: "maxPerStore 2", patch: { maxPerStore: 2 } },
    { name: "onError rollback", patch: { onError: "rollback" } },
    { name: "target by query-parameter names", patch: { target: { "active-version": "1.0.0,-" } } },
    {
      name: "50 stages",
      patch: { stages: Array.from({ length: 50 }, (_, i) => ({ name: `s${i}` })) },
    },
  ];
  it.each(accepted)("accepts $name", ({ patch }) => {
    const parsed = parseReleaseSpec({ ...MINIMAL, ...patch });
    expect(parsed.ok ? "ok" : parsed.error).toBe("ok");
  });

  it("a parsed spec parses again to itself (stored specs stay valid)", () => {
    for (const doc of [EXAMPLE, { ...MINIMAL, target: { activeVersion: "-,1.0.0" } }]) {
      const once = parseReleaseSpec(doc);
      if (!once.ok) throw new Error(once.error);
      expect(parseReleaseSpec(JSON.parse(JSON.stringify(once.value)))).toEqual(once);
    }
  });

  it("the schema's output is the ReleaseSpec", () => {
    const parsed = releaseSpecSchema.safeParse(MINIMAL);
    expect(parsed.success).toBe(true);
  });
});

describe("percentOf, durationMs", () => {
  it.each([
    ["0%", 0],
    ["2%", 2],
    ["0.5%", 0.5],
    ["12.25%", 12.25],
    ["100%", 100],
  ])("percentOf(%s) = %d", (text, value) => expect(percentOf(text)).toBe(value));

  it.each([
    ["0", 0],
    ["0s", 0],
    ["30s", 30_000],
    ["15m", 900_000],
    ["2h", 7_200_000],
    ["1h30m", 5_400_000],
    ["1h0m5s", 3_605_000],
    ["90m", 5_400_000],
  ])("durationMs(%s) = %d", (text, value) => expect(durationMs(text)).toBe(value));

  it("throws on text a valid spec cannot hold", () => {
    expect(() => percentOf("2")).toThrow(/not a threshold/);
    expect(() => percentOf("101%")).toThrow(/above 100%/);
    expect(() => durationMs("")).toThrow(/not a duration/);
    expect(() => durationMs("2d")).toThrow(/not a duration/);
  });
});

type IdArgs = Parameters<typeof requestIdFor>;

describe("requestIdFor", () => {
  it.each<[IdArgs, string]>([
    [["3", 0, 5, 1, "install"], "rel3-0-5-1"],
    [["3", 0, 5, 2, "retry"], "rel3-0-5-2"],
    [["3", 1, 0, 1, "rollback"], "rel3-rb-1-0"],
    [["3", 1, 0, 1, "cancel"], "rel3-cx-1-0"],
    [["12", 49, 9999, 7, "install"], "rel12-49-9999-7"],
  ])("%j -> %s", (args, id) => {
    expect(requestIdFor(...args)).toBe(id);
    expect(id).toMatch(ID_PATTERN);
  });

  it("a retry's id differs from the first send's", () => {
    expect(requestIdFor("1", 0, 0, 2, "retry")).not.toBe(requestIdFor("1", 0, 0, 1, "install"));
  });

  it("refuses ids that would not be valid request ids", () => {
    expect(() => requestIdFor("a/b", 0, 0, 1, "install")).toThrow(/invalid/);
    expect(() => requestIdFor("x".repeat(60), 0, 0, 1, "install")).toThrow(/invalid/);
    expect(() => requestIdFor("1", -1, 0, 1, "install")).toThrow(/not a count/);
    expect(() => requestIdFor("1", 0, 0.5, 1, "install")).toThrow(/not a count/);
  });
});
