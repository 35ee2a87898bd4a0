import { formatTime } from "../../shell/time.js";
import type { ReleaseView } from "./model.js";

type Spec = ReleaseView["spec"];
type StoredFilters = Spec["target"];

const FILTER_WORDS: Readonly<Record<keyof StoredFilters, string>> = {
  store: "store",
  workstation: "workstation",
  function: "flow service",
  activeVersion: "active version",
  preferredVersion: "preferred version",
  status: "status",
  group: "group",
  validFromFrom: "valid from ≥",
  validFromTo: "valid from ≤",
};

/** `group DE; store 1001, 1002` ("the whole fleet" when empty); "-" for a null version. */
export function describeTarget(filters: StoredFilters | undefined): string {
  if (filters === undefined) return "the whole fleet";
  const parts: string[] = [];
  for (const [key, word] of Object.entries(FILTER_WORDS) as [keyof StoredFilters, string][]) {
    const value = filters[key];
    if (value === undefined) continue;
    const text = Array.isArray(value)
      ? value.map((v: string | null) => v ?? "-").join(", ")
      : String(value);
    parts.push(`${word} ${text}`);
  }
  return parts.length === 0 ? "the whole fleet" : parts.join("; ");
}

export function describeStageSize(stage: Spec["stages"][number]): string {
  if (stage.target !== undefined) return describeTarget(stage.target);
  if (stage.percent !== undefined) return `${stage.percent}% of the remaining rows`;
  if (stage.count !== undefined) return `${stage.count} of the remaining rows`;
  return "all remaining rows";
}

export function describeSchedule(schedule: Spec["schedule"]): string {
  if (schedule === null) return "by hand (Start)";
  if ("at" in schedule) return `at ${formatTime(schedule.at)}`;
  return schedule.mode === "window" ? "in each store's maintenance window" : "immediately";
}

/** The task's document as the server keeps it: what it targets and how it runs. */
export function SpecSummary(props: { spec: Spec }) {
  const spec = props.spec;
  const notify = [
    spec.notify.partnerAdmins ? "partner admins" : null,
    spec.notify.storeContacts ? "store contacts" : null,
  ].filter((x) => x !== null);
  const rows: [string, string][] = [
    ["Target", describeTarget(spec.target)],
    ["Schedule", describeSchedule(spec.schedule)],
    ["Error threshold", spec.errorThreshold],
    ["Success threshold", spec.successThreshold],
    ["Stage timeout", spec.stageTimeout],
    ["Soak", spec.soak],
    ["Max per store", spec.maxPerStore === null ? "no limit" : String(spec.maxPerStore)],
    ["On error", spec.onError === "pause" ? "pause" : "roll back"],
    ["Forced", spec.forced ? "yes (only the platform admin may cancel)" : "no"],
    ["Redeploy", spec.redeploy ? "yes" : "no"],
    ["Downgrade allowed", spec.allowDowngrade ? "yes" : "no"],
    ["Notify", notify.length === 0 ? "nobody by e-mail" : notify.join(", ")],
  ];
  return (
    <dl class="rel-spec" aria-label="Task document">
      {rows.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
