import { describe, expect, it } from "vitest";
import {
  byFunction,
  changeSentence,
  combine,
  versionsFor,
} from "../../../coordinator/web/src/views/status/bulk-change.js";
import {
  localInputToUtc,
  utcToLocalInput,
} from "../../../coordinator/web/src/views/status/local-time.js";
import {
  compareVersionsDesc,
  type PageRow,
} from "../../../coordinator/web/src/views/status/model.js";
import {
  cleanList,
  filterQuery,
  pageQuery,
  parseViewState,
  searchOf,
} from "../../../coordinator/web/src/views/status/view-state.js";

/** The status mask's pure parts (no browser): the address bar state, the bulk change's plan, times. */

function pageRow(id: string, fn: string, allowedVersions: string[]): PageRow {
  const [store = "", workstation = ""] = id.split("/");
  return {
    store,
    workstation,
    function: fn,
    activeVersion: "1.0.0",
    preferredVersion: null,
    status: "OK",
    phase: null,
    progress: null,
    reason: null,
    validFrom: null,
    requestId: null,
    group: "DE",
    online: true,
    updatedAt: "2026-11-30T10:00:00.000Z",
    allowedVersions,
    selectable: true,
    storeZone: null,
  };
}

describe("the view state in the address bar", () => {
  it.each([
    ["", {}, ""],
    ["?store=1001,2002", { store: "1001,2002" }, "?store=1001%2C2002"],
    ["?store=+1001+,+,2002", { store: "1001,2002" }, "?store=1001%2C2002"],
    ["?status=Rolled Back,bogus,OK", { status: "OK,Rolled Back" }, "?status=OK%2CRolled+Back"],
    [
      "?valid-from-from=2027-06-01&valid-from-to=2027-06-02&group=DE/North",
      { group: "DE/North", "valid-from-from": "2027-06-01", "valid-from-to": "2027-06-02" },
      "?group=DE%2FNorth&valid-from-from=2027-06-01&valid-from-to=2027-06-02",
    ],
    [
      "?active-version=1.1.0,-&sort=bogus",
      { "active-version": "1.1.0,-" },
      "?active-version=1.1.0%2C-",
    ],
  ])("%s → filters %j, printed back as %s", (search, filters, printed) => {
    const state = parseViewState(search);
    expect(filterQuery(state)).toEqual(filters);
    expect(searchOf(pageQuery(state))).toBe(printed);
  });

  it("keeps sort, direction and page; the defaults are left out", () => {
    const state = parseViewState("?sort=validFrom&dir=desc&offset=200&store=1001");
    expect(pageQuery(state)).toEqual({
      store: "1001",
      sort: "validFrom",
      dir: "desc",
      offset: "200",
    });
    expect(filterQuery(state)).toEqual({ store: "1001" });
    expect(pageQuery(parseViewState("?sort=store&dir=asc&offset=-5"))).toEqual({});
  });

  it("cleans a hand-typed list", () => {
    expect(cleanList(" 1001, 2002 ,,")).toBe("1001,2002");
    expect(cleanList("  ")).toBe("");
  });
});

describe("the bulk change's plan", () => {
  const rows = [
    pageRow("1001/01", "pos-client", ["1.2.0", "1.1.0"]),
    pageRow("1001/02", "pos-client", ["1.10.0", "1.2.0"]),
    pageRow("1002/01", "loyalty", ["2.0.0-rc.1", "2.0.0"]),
  ];

  it("offers - and the union of the selected rows' versions, newest first", () => {
    expect(versionsFor(rows)).toEqual(["-", "2.0.0", "2.0.0-rc.1", "1.10.0", "1.2.0", "1.1.0"]);
    expect(versionsFor([])).toEqual(["-"]);
  });

  it("splits the selection into one request per function", () => {
    expect(byFunction(rows)).toEqual([
      { function: "loyalty", rows: [{ store: "1002", workstation: "01", function: "loyalty" }] },
      {
        function: "pos-client",
        rows: [
          { store: "1001", workstation: "01", function: "pos-client" },
          { store: "1001", workstation: "02", function: "pos-client" },
        ],
      },
    ]);
  });

  it("adds up the reports and keeps a refused request's sentence", () => {
    const skip = {
      kind: "skip" as const,
      store: "1001",
      workstation: "02",
      function: "pos-client",
      reason: "1.1.0 is already the active version",
    };
    const apply = {
      kind: "apply" as const,
      store: "1001",
      workstation: "01",
      function: "pos-client",
      status: "Prepared" as const,
      preferredVersion: "1.1.0",
      newRequest: true,
      firstInstall: false,
    };
    const outcome = combine([
      { function: "pos-client", report: { changed: [apply], skipped: [skip], dryRun: true } },
      { function: "loyalty", message: "no published pack loyalty 1.1.0" },
    ]);
    expect(outcome).toEqual({
      changed: 1,
      skipped: [skip],
      refused: [{ function: "loyalty", message: "no published pack loyalty 1.1.0" }],
    });
    expect(changeSentence(1, true)).toBe("1 row change");
    expect(changeSentence(3, true)).toBe("3 rows change");
    expect(changeSentence(0, false)).toBe("0 rows changed");
  });

  it("orders versions newest first, a release after its pre-releases", () => {
    expect(["1.2.0", "1.10.0", "1.2.0-rc.1", "0.9.9"].sort(compareVersionsDesc)).toEqual([
      "1.10.0",
      "1.2.0",
      "1.2.0-rc.1",
      "0.9.9",
    ]);
  });
});

describe("Valid From between the datetime-local input and UTC", () => {
  it("reads the viewer's wall time as a UTC instant and back", () => {
    const iso = localInputToUtc("2027-07-01T10:00");
    expect(iso).toBe(new Date(2027, 6, 1, 10, 0).toISOString());
    expect(utcToLocalInput(iso)).toBe("2027-07-01T10:00");
  });

  it("empty or nonsense is no time", () => {
    expect(localInputToUtc("")).toBeNull();
    expect(localInputToUtc("tomorrow")).toBeNull();
    expect(utcToLocalInput(null)).toBe("");
    expect(utcToLocalInput("not a time")).toBe("");
  });
});
