import { describe, expect, it } from "vitest";
import { mirrorNoticePayload, parseMirrorNotice } from "../../src/replicas/row-notice.js";

describe("mirror notices", () => {
  it("name the mirror, and the one release task saved", () => {
    expect(mirrorNoticePayload("r1", "webhooks")).toBe('{"o":"r1","m":"webhooks"}');
    expect(mirrorNoticePayload("r1", "releases", "12")).toBe('{"o":"r1","m":"releases","i":"12"}');
    expect(parseMirrorNotice('{"o":"r1","m":"releases","i":"12"}')).toEqual({
      ok: true,
      value: { origin: "r1", mirror: "releases", id: "12" },
    });
    expect(parseMirrorNotice('{"o":"r1","m":"packs"}')).toEqual({
      ok: true,
      value: { origin: "r1", mirror: "packs" },
    });
  });

  it.each([
    ["not json", "mirror notice is not JSON"],
    ['{"m":"packs"}', "mirror notice has no origin (o)"],
    ['{"o":"r1","m":"nope"}', 'mirror notice names no known mirror: "nope"'],
    ['{"o":"r1","m":"releases","i":12}', "mirror notice names a record that is not a string: 12"],
  ])("%s is refused naming what is wrong", (payload, error) => {
    const parsed = parseMirrorNotice(payload);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toContain(error);
  });
});
