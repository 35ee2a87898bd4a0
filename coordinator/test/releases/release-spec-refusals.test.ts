import { describe, expect, it } from "vitest";
import { parseReleaseSpec } from "../../src/releases/release-spec.js";

/** Every refusal names its field (`stages[1].percent: ...`); the rest of the document is valid. */
const MINIMAL = { name: "r", function: "pos-client", version: "1.1.0", stages: [{ name: "all" }] };

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
      name: "a stage named release (history's subject for the release itself)",
      patch: stage({ name: "release" }),
      error: /^stages\[1\]\.name: "release" names the release task itself/m,
    },
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
