import { describe, expect, it } from "vitest";
import {
  maskValues,
  SECRET_MASK,
  SecretMasker,
  secretValuesOf,
} from "../../src/recipe/secret-masker.js";

describe("secretValuesOf", () => {
  it("takes secret env values and secret files (whole and per line), not the others", () => {
    const values = secretValuesOf({
      env: { DB_PASSWORD: "hunter22", GREETING: "hello" },
      files: { "config/key.pem": "-----BEGIN-----\nabcdEFGH\n-----END-----\n" },
      secrets: ["DB_PASSWORD", "config/key.pem"],
    });
    expect(values).toContain("hunter22");
    expect(values).toContain("abcdEFGH");
    expect(values).toContain("-----BEGIN-----\nabcdEFGH\n-----END-----\n");
    expect(values).not.toContain("hello");
  });

  it("leaves values shorter than 4 characters alone (masking them would garble every line)", () => {
    expect(secretValuesOf({ env: { PIN: "123" }, secrets: ["PIN"] })).toEqual([]);
  });
});

describe("maskValues", () => {
  const rows = [
    {
      line: "connecting with hunter22",
      values: ["hunter22"],
      out: `connecting with ${SECRET_MASK}`,
    },
    { line: "hunter22/hunter22", values: ["hunter22"], out: `${SECRET_MASK}/${SECRET_MASK}` },
    { line: "nothing here", values: ["hunter22"], out: "nothing here" },
    // The longer value goes first, so a secret containing another is masked whole.
    { line: "key=abcd1234", values: ["abcd", "abcd1234"], out: `key=${SECRET_MASK}` },
  ];
  it.each(rows)("$line", ({ line, values, out }) => {
    expect(maskValues(line, values)).toBe(out);
  });
});

describe("SecretMasker", () => {
  it("masks what it learnt from desired documents and keeps masking after a recipe change", () => {
    const masker = new SecretMasker();
    expect(masker.mask("pw hunter22")).toBe("pw hunter22");
    masker.rememberDesired({
      services: {
        "pos-client": { recipe: { env: { DB_PASSWORD: "hunter22" }, secrets: ["DB_PASSWORD"] } },
        other: { recipe: null },
        legacy: {},
      },
    });
    expect(masker.mask("pw hunter22")).toBe(`pw ${SECRET_MASK}`);
    masker.rememberDesired({
      services: {
        "pos-client": { recipe: { env: { DB_PASSWORD: "new-pw-99" }, secrets: ["DB_PASSWORD"] } },
      },
    });
    expect(masker.mask("old hunter22 new new-pw-99")).toBe(`old ${SECRET_MASK} new ${SECRET_MASK}`);
  });
});
