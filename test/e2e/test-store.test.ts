import { describe, expect, it } from "vitest";
import { jsonOnly, storeDatabase, testStore } from "./test-store.js";

describe("TILLROLL_TEST_STORE: which store the coordinators under test use", () => {
  it.each([
    [undefined, "json"],
    ["", "json"],
    ["json", "json"],
    ["postgres", "postgres"],
  ] as const)("%s -> %s", (given, store) => {
    expect(testStore(given === undefined ? {} : { TILLROLL_TEST_STORE: given })).toBe(store);
  });

  it("anything else is refused, naming the variable and the choices", () => {
    expect(() => testStore({ TILLROLL_TEST_STORE: "postgresql" })).toThrow(
      /TILLROLL_TEST_STORE="postgresql" is not a store: use "json" \(the default\) or "postgres"/,
    );
  });

  it("on JSON a coordinator gets no database and JSON-only tests run", async () => {
    expect(await storeDatabase({})).toBeUndefined();
    expect(jsonOnly("reads DATA/coordinator.json", {})).toBe(false);
  });

  it("on PostgreSQL a JSON-only test is skipped", () => {
    expect(jsonOnly("reads DATA/coordinator.json", { TILLROLL_TEST_STORE: "postgres" })).toBe(true);
  });
});
