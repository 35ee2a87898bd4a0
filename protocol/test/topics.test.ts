import { describe, expect, it } from "vitest";
import {
  buildTopic,
  DEFAULT_TOPIC_ROOT,
  fleetFilter,
  parseTopic,
  TOPIC_KINDS,
  TOPIC_SPECS,
  topicFor,
  validateTopicRoot,
} from "../src/index.js";

const refs = [
  { store: "1001", workstation: "01" },
  { store: "a", workstation: "b" },
  { store: "Store_7-east", workstation: "kiosk-2" },
  { store: "x".repeat(64), workstation: "Y".repeat(64) },
];
const roots = [DEFAULT_TOPIC_ROOT, "acme", "acme/tillroll/v1"];

describe("topics", () => {
  const roundTrips = TOPIC_KINDS.flatMap((kind) =>
    refs.flatMap((ref) => roots.map((root) => ({ kind, ref, root }))),
  );
  it.each(roundTrips)(
    "$kind for $ref.store/$ref.workstation under $root round-trips",
    ({ kind, ref, root }) => {
      const topic = topicFor(kind, ref, root);
      expect(topic).toBe(`${root}/ws/${ref.store}/${ref.workstation}/${kind}`);
      expect(parseTopic(topic, root)).toEqual({ ok: true, value: { kind, ...ref } });
    },
  );

  const badIds = [
    { id: "", why: "empty" },
    { id: "10/01", why: "invalid" },
    { id: "10+", why: "invalid" },
    { id: "#", why: "invalid" },
    { id: "a b", why: "invalid" },
    { id: "x".repeat(65), why: "invalid" },
    { id: "tä", why: "invalid" },
  ];
  it.each(badIds)("store id $id is refused ($why)", ({ id, why }) => {
    const result = buildTopic("status", { store: id, workstation: "01" });
    expect(result.ok).toBe(false);
    expect(result).toMatchObject({
      ok: false,
      error: expect.stringMatching(new RegExp(`store id.*${why}`)),
    });
    expect(() => topicFor("status", { store: id, workstation: "01" })).toThrow(/store id/);
  });
  it.each(badIds)("workstation id $id is refused", ({ id }) => {
    const result = buildTopic("desired", { store: "1001", workstation: id });
    expect(result).toMatchObject({ ok: false, error: expect.stringContaining("workstation id") });
  });

  const badTopics = [
    "tillroll/v1/ws/1001/01",
    "tillroll/v1/ws/1001/01/status/extra",
    "tillroll/v1/ws/1001/01/unknown",
    "tillroll/v1/ws/+/01/status",
    "tillroll/v1/ws/1001/#/status",
    "tillroll/v1/ws//01/status",
    "other/v1/ws/1001/01/status",
    "tillroll/v1/1001/01/status",
    "",
  ];
  it.each(badTopics)("parseTopic refuses %j", (topic) => {
    expect(parseTopic(topic).ok).toBe(false);
  });

  const badRoots = ["", "$SYS", "a//b", "a/+", "a/#", "/a", "a/"];
  it.each(badRoots)("root %j is refused", (root) => {
    expect(validateTopicRoot(root).ok).toBe(false);
    expect(buildTopic("status", refs[0] as (typeof refs)[0], root).ok).toBe(false);
  });

  it("fleet filters use one + per id level", () => {
    expect(fleetFilter("status")).toBe("tillroll/v1/ws/+/+/status");
    expect(() => fleetFilter("status", "a/#")).toThrow();
  });

  it("every topic kind has a spec; only notice and log are not retained; all QoS 1", () => {
    for (const kind of TOPIC_KINDS) expect(TOPIC_SPECS[kind].qos).toBe(1);
    expect(TOPIC_KINDS.filter((kind) => !TOPIC_SPECS[kind].retained)).toEqual(["notice", "log"]);
    expect(TOPIC_KINDS.filter((kind) => TOPIC_SPECS[kind].signed)).toEqual(["desired"]);
  });
});
