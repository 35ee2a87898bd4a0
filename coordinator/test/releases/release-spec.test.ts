import { ID_PATTERN } from "@tillroll/protocol";
import { describe, expect, it } from "vitest";
import {
  durationMs,
  parseReleaseSpec,
  percentOf,
  releaseSpecSchema,
  requestIdFor,
} from "../../src/releases/release-spec.js";

/** The example document. */
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

const MINIMAL = { name: "r", function: "pos-client", version: "1.1.0", stages: [{ name: "all" }] };

describe("parseReleaseSpec: accepted documents", () => {
  it("parses the issue's example as written", () => {
    const parsed = parseReleaseSpec(EXAMPLE);
    expect(parsed).toEqual({
      ok: true,
      value: {
        ...EXAMPLE,
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

describe("parseReleaseSpec: refused documents name the field", () => {
  const stage = (fields: Record<string, unknown>) => ({ stages: [{ name: "a" }, fields] });
  const refused: { name: string; patch: Record<string, unknown>; error: RegExp }[] = [
    {
      name: "unknown field",
      patch: { color: "red" },
      error: /^unknown field "color" \(known: name, /m,
    },
    { name: "name empty", patch: { name: "" }, error: /^name: is empty$/m },
    {
      name: "name too long",
      patch: { name: "x".repeat(201) },
      error: /^name: is longer than 200/m,
    },
    {
      name: "name not a string",
      patch: { name: 5 },
      error: /^name: expected string, got number 5$/m,
    },
    { name: "function missing", patch: { function: undefined }, error: /^function: is required$/m },
    {
      name: "function bad",
      patch: { function: ".hidden" },
      error: /^function: ".hidden" is not a valid function name/m,
    },
    {
      name: "version not semver",
      patch: { version: "1.x" },
      error: /^version: "1.x" is not a semver version$/m,
    },
    { name: "version missing", patch: { version: undefined }, error: /^version: is required$/m },
    {
      name: "target null",
      patch: { target: null },
      error: /^target: expected a JSON object, got null$/m,
    },
    {
      name: "target unknown filter",
      patch: { target: { shop: "1" } },
      error: /^target: unknown filter "shop"/m,
    },
    {
      name: "target function",
      patch: { target: { function: ["pos-client"] } },
      error: /^target\.function: the release's function is given by "function"$/m,
    },
    {
      name: "target bad store",
      patch: { target: { store: ["1001", "a b"] } },
      error: /^target\.store\[1\]: "a b" is not a valid store id/m,
    },
    { name: "stages missing", patch: { stages: undefined }, error: /^stages: is required$/m },
    { name: "stages empty", patch: { stages: [] }, error: /^stages: needs at least one stage$/m },
    {
      name: "51 stages",
      patch: { stages: Array.from({ length: 51 }, (_, i) => ({ name: `s${i}` })) },
      error: /^stages: has more than 50 stages$/m,
    },
    { name: "stages not an array", patch: { stages: "pilot" }, error: /^stages: expected array/m },
    {
      name: "stage not an object",
      patch: { stages: ["pilot"] },
      error: /^stages\[0\]: expected a JSON object, got string "pilot"$/m,
    },
    {
      name: "stage name missing",
      patch: stage({ percent: 5 }),
      error: /^stages\[1\]\.name: is required$/m,
    },
    {
      name: "stage name too long",
      patch: stage({ name: "x".repeat(101) }),
      error: /^stages\[1\]\.name: is longer than 100/m,
    },
    {
      name: "stage names twice",
      patch: stage({ name: "a" }),
      error: /^stages\[1\]\.name: "a" is the name of stages\[0\] too/m,
    },
    {
      name: "stage unknown field",
      patch: stage({ name: "b", wave: 2 }),
      error:
        /^stages\[1\]: unknown field "wave" \(known: name, target, percent, count, checkpoint\)$/m,
    },
    {
      name: "percent 0",
      patch: stage({ name: "b", percent: 0 }),
      error: /^stages\[1\]\.percent: must be above 0 and at most 100 \(got number 0\)$/m,
    },
    {
      name: "percent 101",
      patch: stage({ name: "b", percent: 101 }),
      error: /^stages\[1\]\.percent: must be above 0 and at most 100/m,
    },
    {
      name: "percent negative",
      patch: stage({ name: "b", percent: -5 }),
      error: /^stages\[1\]\.percent: must be above 0/m,
    },
    {
      name: "percent as string",
      patch: stage({ name: "b", percent: "10%" }),
      error: /^stages\[1\]\.percent: expected number, got string "10%"$/m,
    },
    {
      name: "count 0",
      patch: stage({ name: "b", count: 0 }),
      error: /^stages\[1\]\.count: must be at least 1 \(got number 0\)$/m,
    },
    {
      name: "count 2.5",
      patch: stage({ name: "b", count: 2.5 }),
      error: /^stages\[1\]\.count: must be a whole number/m,
    },
    {
      name: "percent and count",
      patch: stage({ name: "b", percent: 5, count: 3 }),
      error:
        /^stages\[1\]\.count: a stage takes at most one of target, percent, count \(percent is given too\)$/m,
    },
    {
      name: "target and percent",
      patch: stage({ name: "b", target: { store: "1001" }, percent: 5 }),
      error:
        /^stages\[1\]\.percent: a stage takes at most one of target, percent, count \(target is given too\)$/m,
    },
    {
      name: "stage target function",
      patch: stage({ name: "b", target: { function: "x" } }),
      error: /^stages\[1\]\.target\.function: the release's function is given by "function"$/m,
    },
    {
      name: "stage target bad status",
      patch: stage({ name: "b", target: { status: "Done" } }),
      error: /^stages\[1\]\.target\.status: "Done" is not one of/m,
    },
    {
      name: "checkpoint unknown",
      patch: stage({ name: "b", checkpoint: "manual" }),
      error: /^stages\[1\]\.checkpoint: "manual" is not one of "none", "approval", "trigger"$/m,
    },
    {
      name: "errorThreshold a number",
      patch: { errorThreshold: 2 },
      error: /^errorThreshold: expected a percentage as a string like "2%", got number 2$/m,
    },
    {
      name: "errorThreshold without %",
      patch: { errorThreshold: "2" },
      error: /^errorThreshold: "2" is not a percentage/m,
    },
    {
      name: "errorThreshold above 100",
      patch: { errorThreshold: "100.5%" },
      error: /^errorThreshold: "100.5%" is above 100%$/m,
    },
    {
      name: "errorThreshold 3 decimals",
      patch: { errorThreshold: "0.125%" },
      error: /^errorThreshold: "0.125%" is not a percentage/m,
    },
    {
      name: "errorThreshold negative",
      patch: { errorThreshold: "-1%" },
      error: /^errorThreshold: "-1%" is not a percentage/m,
    },
    {
      name: "successThreshold 0%",
      patch: { successThreshold: "0%" },
      error: /^successThreshold: must be above 0% \(got "0%"\)$/m,
    },
    {
      name: "successThreshold 0.00%",
      patch: { successThreshold: "0.00%" },
      error: /^successThreshold: must be above 0%/m,
    },
    {
      name: "stageTimeout 0s",
      patch: { stageTimeout: "0s" },
      error: /^stageTimeout: "0s" is shorter than 1s$/m,
    },
    {
      name: "stageTimeout in days",
      patch: { stageTimeout: "2d" },
      error: /^stageTimeout: "2d" is not a duration/m,
    },
    {
      name: "stageTimeout units out of order",
      patch: { stageTimeout: "30m1h" },
      error: /^stageTimeout: "30m1h" is not a duration/m,
    },
    {
      name: "stageTimeout empty",
      patch: { stageTimeout: "" },
      error: /^stageTimeout: "" is not a duration/m,
    },
    {
      name: "stageTimeout a number",
      patch: { stageTimeout: 7200 },
      error: /^stageTimeout: expected a duration as a string/m,
    },
    {
      name: "stageTimeout over 30 days",
      patch: { stageTimeout: "720h1s" },
      error: /^stageTimeout: "720h1s" is longer than 30 days$/m,
    },
    {
      name: "soak over 30 days",
      patch: { soak: "43201m" },
      error: /^soak: "43201m" is longer than 30 days$/m,
    },
    {
      name: "soak with spaces",
      patch: { soak: "1h 30m" },
      error: /^soak: "1h 30m" is not a duration/m,
    },
    {
      name: "maxPerStore 0",
      patch: { maxPerStore: 0 },
      error: /^maxPerStore: must be at least 1 \(got number 0\)$/m,
    },
    {
      name: "maxPerStore 1.5",
      patch: { maxPerStore: 1.5 },
      error: /^maxPerStore: must be a whole number/m,
    },
    {
      name: "maxPerStore a string",
      patch: { maxPerStore: "1" },
      error: /^maxPerStore: expected number, got string "1"$/m,
    },
    {
      name: "onError unknown",
      patch: { onError: "stop" },
      error: /^onError: "stop" is not one of "pause", "rollback"$/m,
    },
  ];
  it("has at least 25 refusal cases", () => expect(refused.length).toBeGreaterThanOrEqual(25));
  it.each(refused)("refuses $name", ({ patch, error }) => {
    const parsed = parseReleaseSpec({ ...MINIMAL, ...patch });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(error);
  });

  it("refuses a document that is not an object", () => {
    expect(parseReleaseSpec("release")).toEqual({
      ok: false,
      error: 'expected a JSON object, got string "release"',
    });
  });

  it("names every wrong field, one per line", () => {
    const parsed = parseReleaseSpec({ ...MINIMAL, name: "", soak: "x", maxPerStore: 0 });
    expect(parsed.ok ? [] : parsed.error.split("\n")).toHaveLength(3);
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
