/**
 * The create form's state and the release document it stands for (pure).
 * Empty fields are left out so the server's defaults apply; numbers and
 * times are converted, anything unreadable is passed on as written so the
 * contract's schema names it. Issues from that schema are placed next to
 * the field they name (`stages.1.percent` → the second stage's percent).
 */
export const STAGE_SIZES = ["rest", "percent", "count", "target"] as const;
export type StageSize = (typeof STAGE_SIZES)[number];

export interface StageDraft {
  name: string;
  size: StageSize;
  percent: string;
  count: string;
  /** The stage's own target: comma lists of stores and of groups. */
  stores: string;
  groups: string;
  checkpoint: "none" | "approval" | "trigger";
}

/** The release's target: the status overview's filters (no function: the task names it). */
export const TARGET_FIELDS = [
  "store",
  "workstation",
  "group",
  "status",
  "activeVersion",
  "preferredVersion",
  "validFromFrom",
  "validFromTo",
] as const;
export type TargetField = (typeof TARGET_FIELDS)[number];

/** Bounds, not lists. */
const SINGLE: ReadonlySet<TargetField> = new Set<TargetField>(["validFromFrom", "validFromTo"]);

export type ScheduleChoice = "hand" | "immediately" | "window" | "at";

export interface ReleaseDraft {
  name: string;
  function: string;
  version: string;
  target: Record<TargetField, string>;
  stages: StageDraft[];
  errorThreshold: string;
  successThreshold: string;
  stageTimeout: string;
  soak: string;
  maxPerStore: string;
  onError: "pause" | "rollback";
  schedule: ScheduleChoice;
  /** `datetime-local` value, in the viewer's zone. */
  at: string;
  forced: boolean;
  redeploy: boolean;
  allowDowngrade: boolean;
  notifyPartnerAdmins: boolean;
  notifyStoreContacts: boolean;
}

export function newStage(index: number): StageDraft {
  return {
    name: index === 0 ? "pilot" : `wave ${index}`,
    size: "rest",
    percent: "",
    count: "",
    stores: "",
    groups: "",
    checkpoint: "none",
  };
}

export function emptyDraft(): ReleaseDraft {
  return {
    name: "",
    function: "",
    version: "",
    target: Object.fromEntries(TARGET_FIELDS.map((f) => [f, ""])) as Record<TargetField, string>,
    stages: [newStage(0)],
    errorThreshold: "",
    successThreshold: "",
    stageTimeout: "",
    soak: "",
    maxPerStore: "",
    onError: "pause",
    schedule: "hand",
    at: "",
    forced: false,
    redeploy: false,
    allowDowngrade: false,
    notifyPartnerAdmins: true,
    notifyStoreContacts: false,
  };
}

/** "1001, 1002," → ["1001", "1002"]; nothing → undefined (not set). */
export function listOf(text: string): string[] | undefined {
  const items = text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
  return items.length === 0 ? undefined : items;
}

/** "" → undefined; "12" → 12; "x" → "x" (the schema then says what is wrong). */
function numberOf(text: string): number | string | undefined {
  const trimmed = text.trim();
  if (trimmed === "") return undefined;
  const value = Number(trimmed);
  return Number.isNaN(value) ? trimmed : value;
}

function textOf(text: string): string | undefined {
  const trimmed = text.trim();
  return trimmed === "" ? undefined : trimmed;
}

/** A `datetime-local` value (viewer's zone) as ISO 8601 UTC; unreadable text as written. */
export function instantOf(local: string): string {
  const ms = new Date(local).getTime();
  return Number.isNaN(ms) ? local : new Date(ms).toISOString();
}

function targetOf(target: Record<TargetField, string>): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const field of TARGET_FIELDS) {
    const value = SINGLE.has(field) ? textOf(target[field]) : listOf(target[field]);
    if (value !== undefined) out[field] = value;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

function stageOf(stage: StageDraft): Record<string, unknown> {
  const out: Record<string, unknown> = { name: stage.name.trim() };
  if (stage.size === "percent") out.percent = numberOf(stage.percent) ?? "";
  if (stage.size === "count") out.count = numberOf(stage.count) ?? "";
  if (stage.size === "target") {
    const target: Record<string, unknown> = {};
    const stores = listOf(stage.stores);
    const groups = listOf(stage.groups);
    if (stores) target.store = stores;
    if (groups) target.group = groups;
    out.target = target;
  }
  if (stage.checkpoint !== "none") out.checkpoint = stage.checkpoint;
  return out;
}

function scheduleOf(draft: ReleaseDraft): unknown {
  if (draft.schedule === "hand") return undefined;
  if (draft.schedule === "at") return { mode: "at", at: instantOf(draft.at) };
  return { mode: draft.schedule };
}

/** The release document (POST /api/releases) the form stands for. */
export function documentOf(draft: ReleaseDraft): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    name: draft.name.trim(),
    function: draft.function.trim(),
    version: draft.version.trim(),
    target: targetOf(draft.target),
    stages: draft.stages.map(stageOf),
    errorThreshold: textOf(draft.errorThreshold),
    successThreshold: textOf(draft.successThreshold),
    stageTimeout: textOf(draft.stageTimeout),
    soak: textOf(draft.soak),
    maxPerStore: numberOf(draft.maxPerStore),
    onError: draft.onError === "pause" ? undefined : draft.onError,
    schedule: scheduleOf(draft),
    forced: draft.forced || undefined,
    redeploy: draft.redeploy || undefined,
    allowDowngrade: draft.allowDowngrade || undefined,
    notify:
      draft.notifyPartnerAdmins && !draft.notifyStoreContacts
        ? undefined
        : { partnerAdmins: draft.notifyPartnerAdmins, storeContacts: draft.notifyStoreContacts },
  };
  for (const key of Object.keys(doc)) if (doc[key] === undefined) delete doc[key];
  return doc;
}

const STAGE_KEYS = new Set(["name", "percent", "count", "checkpoint", "target"]);

/**
 * The field an issue path names, as the form keys its fields: `name`,
 * `target.store`, `stages.1.percent`, `stages.1` (the stage as a whole),
 * `schedule.at`; a path the form has no field for falls back to its first
 * part ("" for the document as a whole).
 */
export function fieldOf(path: readonly PropertyKey[]): string {
  const [first, second, third] = path;
  if (first === "stages" && typeof second === "number") {
    return typeof third === "string" && STAGE_KEYS.has(third)
      ? `stages.${second}.${third}`
      : `stages.${second}`;
  }
  if (first === "target") {
    return typeof second === "string" && (TARGET_FIELDS as readonly string[]).includes(second)
      ? `target.${second}`
      : "target";
  }
  if (first === "schedule") return second === "at" ? "schedule.at" : "schedule";
  return typeof first === "string" ? first : "";
}

/** Issues by field, the messages of one field joined; a nested stage-target path is kept in the text. */
export function issuesByField(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of issues) {
    const field = fieldOf(issue.path);
    const inner = issue.path.slice(field.split(".").length).map(String).join(".");
    const text = inner === "" ? issue.message : `${inner}: ${issue.message}`;
    out[field] = out[field] ? `${out[field]}; ${text}` : text;
  }
  return out;
}

/** Fields the document cannot do without: "is required" reads better than the schema's wording for "". */
export function missingFields(draft: ReleaseDraft): Record<string, string> {
  const out: Record<string, string> = {};
  if (draft.name.trim() === "") out.name = "is required";
  if (draft.function.trim() === "") out.function = "is required";
  if (draft.version.trim() === "") out.version = "is required";
  draft.stages.forEach((stage, index) => {
    if (stage.name.trim() === "") out[`stages.${index}.name`] = "is required";
    if (stage.size === "percent" && stage.percent.trim() === "")
      out[`stages.${index}.percent`] = "is required (above 0, at most 100)";
    if (stage.size === "count" && stage.count.trim() === "")
      out[`stages.${index}.count`] = "is required (at least 1)";
    if (stage.size === "target" && stage.stores.trim() === "" && stage.groups.trim() === "")
      out[`stages.${index}.target`] = "name stores or groups (or choose another size)";
  });
  if (draft.schedule === "at" && draft.at.trim() === "") out["schedule.at"] = "is required";
  return out;
}

const TOP_LABELS: Readonly<Record<string, string>> = {
  "": "The task",
  name: "Name",
  function: "Flow Service",
  version: "Version",
  target: "Target",
  stages: "Stages",
  errorThreshold: "Error threshold",
  successThreshold: "Success threshold",
  stageTimeout: "Stage timeout",
  soak: "Soak",
  maxPerStore: "Max per store",
  onError: "On error",
  schedule: "Schedule",
  "schedule.at": "Start at",
  forced: "Forced",
  redeploy: "Redeploy",
  allowDowngrade: "Downgrade",
  notify: "Notify",
};

/** How the form names a field key in its list of problems: `stages.1.percent` → "Stage 2 percent". */
export function fieldLabel(key: string): string {
  const stage = /^stages\.(\d+)(?:\.(\w+))?$/.exec(key);
  if (stage) return `Stage ${Number(stage[1]) + 1}${stage[2] ? ` ${stage[2]}` : ""}`;
  if (key.startsWith("target.")) return `Target ${key.slice("target.".length)}`;
  return TOP_LABELS[key] ?? key;
}

/** A 409 of POST /api/releases that asks for allowDowngrade (release-admission.ts's sentence). */
export function isDowngradeRefusal(status: number, message: string): boolean {
  return status === 409 && message.includes('"allowDowngrade": true');
}
