import { describe, expect, it } from "vitest";
import { API_ROUTES } from "../../../coordinator/src/api/contract.js";
import { downgradeCheck } from "../../../coordinator/src/releases/release-admission.js";
import {
  documentOf,
  emptyDraft,
  fieldOf,
  isDowngradeRefusal,
  issuesByField,
  missingFields,
  newStage,
  type ReleaseDraft,
} from "../../../coordinator/web/src/views/releases/form-model.js";
import {
  actionsOf,
  progressOf,
  type ReleaseActions,
  type ReleaseView,
} from "../../../coordinator/web/src/views/releases/model.js";

/**
 * The release views' pure parts (no browser): the form's document as the
 * contract's own schema reads it, where each issue is shown, the downgrade
 * refusal the form turns into a confirmation, and the actions offered (the
 * server's, nothing without them).
 */

const schema = API_ROUTES.createRelease.body.schema;

function draft(patch: Partial<ReleaseDraft> = {}): ReleaseDraft {
  return { ...emptyDraft(), name: "spring", function: "pos-client", version: "1.1.0", ...patch };
}

describe("the release form's document", () => {
  it("leaves empty fields out so the server's defaults apply", () => {
    expect(documentOf(draft())).toEqual({
      name: "spring",
      function: "pos-client",
      version: "1.1.0",
      stages: [{ name: "pilot" }],
    });
    expect(schema.safeParse(documentOf(draft())).success).toBe(true);
  });

  it("writes the README's spring release field for field", () => {
    const doc = documentOf(
      draft({
        target: { ...emptyDraft().target, group: "DE" },
        stages: [
          { ...newStage(0), size: "target", stores: "1001" },
          { ...newStage(1), size: "percent", percent: "50", checkpoint: "approval" },
          { ...newStage(2), name: "rest", checkpoint: "trigger" },
        ],
        errorThreshold: "2%",
        successThreshold: "100%",
        stageTimeout: "2h",
        soak: "5s",
        maxPerStore: "1",
        onError: "rollback",
        schedule: "window",
        forced: true,
        redeploy: true,
        notifyPartnerAdmins: false,
        notifyStoreContacts: true,
      }),
    );
    expect(doc).toEqual({
      name: "spring",
      function: "pos-client",
      version: "1.1.0",
      target: { group: ["DE"] },
      stages: [
        { name: "pilot", target: { store: ["1001"] } },
        { name: "wave 1", percent: 50, checkpoint: "approval" },
        { name: "rest", checkpoint: "trigger" },
      ],
      errorThreshold: "2%",
      successThreshold: "100%",
      stageTimeout: "2h",
      soak: "5s",
      maxPerStore: 1,
      onError: "rollback",
      schedule: { mode: "window" },
      forced: true,
      redeploy: true,
      notify: { partnerAdmins: false, storeContacts: true },
    });
    expect(schema.safeParse(doc).success).toBe(true);
  });

  it("sends a start time in the viewer's zone as UTC", () => {
    const doc = documentOf(draft({ schedule: "at", at: "2030-06-01T02:00" }));
    expect(doc.schedule).toEqual({
      mode: "at",
      at: new Date("2030-06-01T02:00").toISOString(),
    });
    expect(schema.safeParse(doc).success).toBe(true);
  });

  it.each([
    ["a threshold without %", { errorThreshold: "5" }, "errorThreshold", "not a percentage"],
    ["a duration in days", { stageTimeout: "2d" }, "stageTimeout", "not a duration"],
    ["no per-store limit of 0", { maxPerStore: "0" }, "maxPerStore", "at least 1"],
    ["a version that is not semver", { version: "1.1" }, "version", ""],
    [
      "a percent above 100",
      { stages: [{ ...newStage(0), size: "percent", percent: "150" }] },
      "stages.0.percent",
      "at most 100",
    ],
    [
      "two stages of one name",
      { stages: [newStage(0), { ...newStage(1), name: "pilot" }] },
      "stages.1.name",
      "stage names are unique",
    ],
    [
      "a target status that is none",
      { target: { ...emptyDraft().target, status: "sleeping" } },
      "target.status",
      "is not one of",
    ],
  ] as const)("places %s next to its field", (_what, patch, field, words) => {
    const parsed = schema.safeParse(documentOf(draft(patch as Partial<ReleaseDraft>)));
    expect(parsed.success).toBe(false);
    const issues = issuesByField(parsed.success ? [] : parsed.error.issues);
    expect(Object.keys(issues)).toEqual([field]);
    expect(issues[field]).toContain(words);
  });

  it("says which fields are required before the schema's wording", () => {
    expect(
      missingFields({
        ...emptyDraft(),
        stages: [{ ...newStage(0), name: " ", size: "count" }],
        schedule: "at",
      }),
    ).toEqual({
      name: "is required",
      function: "is required",
      version: "is required",
      "stages.0.name": "is required",
      "stages.0.count": "is required (at least 1)",
      "schedule.at": "is required",
    });
    expect(missingFields(draft())).toEqual({});
  });

  it.each([
    [["name"], "name"],
    [["stages", 2, "percent"], "stages.2.percent"],
    [["stages", 1, "target", "store", 0], "stages.1.target"],
    [["stages", 1], "stages.1"],
    [["stages"], "stages"],
    [["target", "group", 0], "target.group"],
    [["target", "function"], "target"],
    [["schedule", "at"], "schedule.at"],
    [["schedule", "mode"], "schedule"],
    [[], ""],
  ] as const)("reads the issue path %j as the field %j", (path, field) => {
    expect(fieldOf(path)).toBe(field);
  });

  it("knows the server's downgrade refusal (and nothing else) as asking for a confirmation", () => {
    const refused = downgradeCheck({ version: "1.0.0", allowDowngrade: false }, [
      { activeVersion: "1.1.0" },
    ]);
    expect(refused.ok).toBe(false);
    const sentence = "error" in refused ? refused.error : "";
    expect(isDowngradeRefusal(409, sentence)).toBe(true);
    expect(isDowngradeRefusal(400, sentence)).toBe(false);
    expect(isDowngradeRefusal(409, "blackout 2 (Christmas freeze) covers the start")).toBe(false);
  });
});

const ZERO_COUNTS = {
  queued: 0,
  held: 0,
  Prepared: 0,
  "In Progress": 0,
  "Not Ready": 0,
  soaking: 0,
  OK: 0,
  Failed: 0,
  "Rolled Back": 0,
  "timed out": 0,
  total: 0,
  skipped: 0,
};

function view(patch: Partial<ReleaseView>, stageStates: string[] = ["Pending"]): ReleaseView {
  return {
    id: "3",
    name: "spring",
    function: "pos-client",
    version: "1.1.0",
    state: "Running",
    createdBy: "rita",
    createdAt: "2026-11-30T10:00:00.000Z",
    spec: { forced: false } as ReleaseView["spec"],
    stages: stageStates.map((state, index) => ({
      name: `s${index}`,
      state: state as ReleaseView["stages"][number]["state"],
      checkpoint: "none",
      startedAt: null,
      endedAt: null,
      reason: null,
      counts: ZERO_COUNTS,
      members: [],
      notReady: [],
      timedOut: [],
      failed: [],
      skipped: [],
    })),
    history: [],
    decisions: [],
    ...patch,
  };
}

describe("the actions a release page offers", () => {
  const none: ReleaseActions = {
    start: false,
    approve: false,
    reject: false,
    trigger: false,
    pause: false,
    resume: false,
    retry: false,
    rollback: false,
    cancel: false,
  };

  it("are the server's actions for this caller, and nothing when the answer has none", () => {
    const release = view({ actions: { ...none, trigger: true, pause: true } });
    expect(offered(actionsOf(release))).toEqual(["pause", "trigger"]);
    expect(offered(actionsOf(view({})))).toEqual([]);
  });
});

function offered(actions: ReleaseActions): string[] {
  return Object.entries(actions)
    .filter(([, yes]) => yes)
    .map(([name]) => name)
    .sort();
}

describe("a release's progress", () => {
  it("counts OK members over all members of every stage", () => {
    const counts = (ok: number, total: number) => ({
      ...ZERO_COUNTS,
      OK: ok,
      total,
    });
    expect(progressOf([{ counts: counts(2, 2) }, { counts: counts(1, 4) }])).toEqual({
      ok: 3,
      total: 6,
      percent: 50,
    });
    expect(progressOf([{ counts: counts(0, 0) }])).toEqual({ ok: 0, total: 0, percent: 0 });
  });
});
