import { describe, expect, it } from "vitest";
import { Presence } from "../../src/ingest/presence.js";

/** Issue 11: what each agent understands, from its presence `capabilities`. */
describe("Presence capabilities", () => {
  it("an online with capabilities keeps them; an agent that never sent any has none", () => {
    const presence = new Presence();
    presence.apply("1001/01", true, 1, ["window", "redeploy"]);
    presence.apply("1001/02", true, 1);
    expect(presence.capabilitiesOf("1001/01")).toEqual(["window", "redeploy"]);
    expect(presence.capabilitiesOf("1001/02")).toBeNull();
    expect(presence.capabilitiesOf("1001/03")).toBeNull();
  });
  it("kept over an offline (the last will has none); replaced by the next online; stale ignored", () => {
    const presence = new Presence();
    presence.apply("1001/01", true, 5, ["window"]);
    presence.apply("1001/01", false, 6);
    expect(presence.capabilitiesOf("1001/01")).toEqual(["window"]);
    presence.apply("1001/01", true, 4, ["window", "redeploy"]);
    expect(presence.capabilitiesOf("1001/01")).toEqual(["window"]);
    // An older agent reinstalled: its online has no capabilities.
    presence.apply("1001/01", true, 7);
    expect(presence.capabilitiesOf("1001/01")).toBeNull();
  });
  it("forget drops them", () => {
    const presence = new Presence();
    presence.apply("1001/01", true, 1, ["window"]);
    presence.forget("1001/01");
    expect(presence.capabilitiesOf("1001/01")).toBeNull();
  });
});
