import { describe, expect, it } from "vitest";
import { API_ROUTES } from "../../../coordinator/src/api/contract.js";
import {
  issuesByField,
  noIssues,
  topLevelField,
} from "../../../coordinator/web/src/views/admin/form-issues.js";
import {
  durationToMinutes,
  isoToLocalInput,
  localInputToIso,
  minutesToDuration,
} from "../../../coordinator/web/src/views/admin/local-time.js";

/**
 * The admin views' pure parts: the window form's duration grammar, the
 * viewer's wall time to UTC, and the contract schema's issues sorted by the
 * form field they are about.
 */

describe("window durations", () => {
  it.each([
    ["3h", 180],
    ["1h30m", 90],
    ["45m", 45],
    ["24h", 1440],
    [" 2H ", 120],
    ["0m", 0],
  ])("%j is %i minutes", (text, minutes) => {
    expect(durationToMinutes(text)).toBe(minutes);
  });

  it.each(["", "3", "3 hours", "h", "1.5h", "30m1h", "-1h"])("%j is not a duration", (text) => {
    expect(durationToMinutes(text)).toBeUndefined();
  });

  it.each([
    [180, "3h"],
    [90, "1h30m"],
    [45, "45m"],
    [1440, "24h"],
  ])("%i minutes show as %j, and read back", (minutes, text) => {
    expect(minutesToDuration(minutes)).toBe(text);
    expect(durationToMinutes(text)).toBe(minutes);
  });
});

describe("datetime-local values", () => {
  it("read in the viewer's zone and written back the same", () => {
    const iso = localInputToIso("2026-12-20T00:00");
    expect(iso).toBe(new Date(2026, 11, 20, 0, 0).toISOString());
    expect(isoToLocalInput(iso as string)).toBe("2026-12-20T00:00");
  });

  it("empty is no value; garbage is passed on for the schema to name", () => {
    expect(localInputToIso("  ")).toBeUndefined();
    expect(localInputToIso("soon")).toBe("soon");
  });
});

describe("schema issues by field", () => {
  const fieldOf = (path: readonly PropertyKey[]) => {
    const [first, second] = path;
    if (first === "group" || first === "store") return "subject" as const;
    return first === "window" && (second === "tz" || second === "days") ? second : undefined;
  };

  it("the setWindow schema's issues land at the fields they are about", () => {
    const checked = API_ROUTES.setWindow.body.schema.safeParse({
      group: "DE",
      window: { tz: "Mars/Olympus", days: [], start: "02:00", durationMinutes: 180 },
    });
    expect(checked.success).toBe(false);
    const issues = issuesByField(checked.error?.issues ?? [], fieldOf);
    expect(issues.tz).toContain("is not an IANA time zone");
    expect(issues.days).toBe("needs at least one day");
    expect(issues.subject).toBeUndefined();
  });

  it("neither group nor store: the subject field says so", () => {
    const checked = API_ROUTES.setWindow.body.schema.safeParse({
      window: { tz: "Europe/Berlin", days: ["mon"], start: "02:00", durationMinutes: 180 },
    });
    const issues = issuesByField(checked.error?.issues ?? [], fieldOf);
    expect(issues.subject).toContain("give group or store");
  });

  it("an issue no field owns goes to the form; the first issue of a field wins", () => {
    const issues = issuesByField(
      [
        { path: ["url"], message: "first" },
        { path: ["url"], message: "second" },
        { path: [], message: "whole body" },
      ],
      topLevelField(["url", "secret"]),
    );
    expect(issues).toEqual({ url: "first", form: "whole body" });
    expect(noIssues(issues)).toBe(false);
    expect(noIssues(issuesByField([], topLevelField(["url"])))).toBe(true);
  });
});
