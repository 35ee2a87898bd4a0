import { describe, expect, it } from "vitest";
import { EXAMPLE_DESCRIPTOR, functionPackDescriptorSchema, validate } from "../src/index.js";

type Doc = Record<string, unknown>;
const base = () =>
  structuredClone(EXAMPLE_DESCRIPTOR) as unknown as Doc & { service: Doc; hooks: Doc };

describe("function-pack-descriptor.json", () => {
  it("accepts the documented example and fills timing defaults", () => {
    const minimal = validate(functionPackDescriptorSchema, {
      name: "pos-client",
      version: "1.0.0",
      service: { start: "bin/start", health: { http: "http://127.0.0.1:8081/health" } },
    });
    expect(validate(functionPackDescriptorSchema, EXAMPLE_DESCRIPTOR).ok).toBe(true);
    expect(minimal).toMatchObject({
      ok: true,
      value: { service: { health: { timeoutSeconds: 30, intervalSeconds: 1 } } },
    });
  });

  const bad: { name: string; mutate: (d: ReturnType<typeof base>) => void; error: RegExp }[] = [
    {
      name: "missing start",
      mutate: (d) => {
        delete d.service.start;
      },
      error: /^service\.start: is required$/,
    },
    {
      name: "absolute path",
      mutate: (d) => {
        d.service.start = "/bin/sh";
      },
      error: /^service\.start: "\/bin\/sh" is absolute/,
    },
    {
      name: "escaping path",
      mutate: (d) => {
        d.hooks.beforeInstall = "hooks/../../x";
      },
      error: /^hooks\.beforeInstall: .* leaves the release folder/,
    },
    {
      name: "bad version",
      mutate: (d) => {
        d.version = "1.1";
      },
      error: /^version: "1\.1" is not a semver version$/,
    },
    {
      name: "bad range",
      mutate: (d) => {
        d.updatableFrom = "sometimes";
      },
      error: /^updatableFrom: "sometimes" is not a valid semver range$/,
    },
    {
      name: "unknown key",
      mutate: (d) => {
        d.restart = "always";
      },
      error: /unknown field "restart"/,
    },
    {
      name: "unknown hook",
      mutate: (d) => {
        d.hooks.beforeStop = "x";
      },
      error: /^hooks: unknown field "beforeStop"$/,
    },
    {
      name: "health with both",
      mutate: (d) => {
        d.service.health = { command: "x", http: "http://a" };
      },
      error: /^service\.health/,
    },
    {
      name: "health timeout zero",
      mutate: (d) => {
        d.service.health = { command: "bin/health", timeoutSeconds: 0 };
      },
      error: /^service\.health/,
    },
    {
      name: "bad function name",
      mutate: (d) => {
        d.name = ".hidden";
      },
      error: /^name: "\.hidden" is not a valid function name/,
    },
  ];
  it.each(bad)("refuses: $name", ({ mutate, error }) => {
    const doc = base();
    mutate(doc);
    const result = validate(functionPackDescriptorSchema, doc);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.split("\n")[0]).toMatch(error);
  });
});
