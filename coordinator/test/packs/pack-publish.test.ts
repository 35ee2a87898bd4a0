// publishCheck: whether a checked pack may be recorded, for both pack record stores.

import type { FunctionPackDescriptor } from "@tillroll/protocol";
import { describe, expect, it } from "vitest";
import { publishCheck } from "../../src/packs/pack-publish.js";
import type { PackRecord } from "../../src/packs/pack-record.js";

const A = "a".repeat(64);
const B = "b".repeat(64);
const stored = [{ name: "pos", version: "1.1.0+a", sha256: A } as PackRecord];
const pack = (version: string) => ({ name: "pos", version }) as FunctionPackDescriptor;

describe("publishCheck", () => {
  it.each([
    ["a new version", pack("1.2.0"), B, { ok: true, value: undefined }],
    ["the same bytes again", pack("1.1.0+a"), A, { ok: true, value: stored[0] }],
  ])("%s", (_, descriptor, sha256, expected) => {
    expect(publishCheck(stored, descriptor, sha256)).toEqual(expected);
  });

  it.each([
    [
      "other bytes for a version",
      pack("1.1.0+a"),
      B,
      /already published with sha256 a+; versions are immutable/,
    ],
    [
      "a build-metadata twin",
      pack("1.1.0+b"),
      B,
      /1\.1\.0\+a is already published and differs only in build metadata/,
    ],
    ["bytes stored under another version", pack("2.0.0"), A, /is already stored as pos 1\.1\.0\+a/],
  ])("refuses %s", (_, descriptor, sha256, message) => {
    const check = publishCheck(stored, descriptor, sha256);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.error).toMatch(message);
  });
});
