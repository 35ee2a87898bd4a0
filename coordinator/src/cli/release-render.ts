import type { Filters } from "../fleet/filters.js";
import type {
  MemberOutcome,
  ReleaseSummary,
  ReleaseView,
  StageCounts,
  StageSpec,
  StageView,
} from "../releases/release-model.js";
import { textTable } from "./text-table.js";

/**
 * `tillroll release show` and `release list` for people: pure functions of
 * the API's answer (ReleaseView, ReleaseSummary), so the output is
 * table-tested byte for byte. Colour only when asked (stdout is a terminal).
 */

/** The order outcomes are counted in: successes first, then what moves, then what waits, then errors. */
export const OUTCOME_ORDER: readonly (MemberOutcome | "skipped")[] = [
  "OK",
  "soaking",
  "In Progress",
  "Prepared",
  "Not Ready",
  "queued",
  "held",
  "Failed",
  "Rolled Back",
  "timed out",
  "skipped",
];

/** Rows listed by name per stage (timed out, failed) before "… and N more". */
export const MAX_ROWS_LISTED = 10;
const BAR_WIDTH = 20;

export interface RenderOptions {
  /** ANSI colours for states (a terminal); never when stdout is a file or a pipe. */
  readonly color: boolean;
}

type Colour = "green" | "red" | "yellow" | "cyan";
const CODES: Record<Colour, string> = { green: "32", red: "31", yellow: "33", cyan: "36" };

const STATE_COLOUR: Readonly<Record<string, Colour>> = {
  Successful: "green",
  Running: "cyan",
  Failed: "red",
  Rejected: "red",
  "Rolled Back": "red",
  Paused: "yellow",
  "Waiting for approval": "yellow",
  "Waiting for trigger": "yellow",
};

function painter(options: RenderOptions) {
  return (text: string): string => {
    const colour = STATE_COLOUR[text];
    return options.color && colour !== undefined ? `\x1b[${CODES[colour]}m${text}\x1b[0m` : text;
  };
}

/** `[#########-----------] 45%`: OK (soaked) rows of all members, rounded down. */
export function progressBar(ok: number, total: number): string {
  const share = total === 0 ? 0 : ok / total;
  const filled = Math.floor(share * BAR_WIDTH);
  return `[${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}] ${Math.floor(share * 100)}%`;
}

/** `OK 9, In Progress 2, Not Ready 3`: the non-zero counts in OUTCOME_ORDER. */
export function countsLine(counts: StageCounts): string {
  const parts = OUTCOME_ORDER.filter((outcome) => counts[outcome] > 0).map(
    (outcome) => `${outcome} ${counts[outcome]}`,
  );
  return parts.length === 0 ? "no rows" : parts.join(", ");
}

/** `group=DE store=1001,1002`, or `the whole fleet`. */
export function filtersText(filters: Filters): string {
  const parts = Object.entries(filters)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => {
      const values = Array.isArray(value) ? value : [value];
      return `${name}=${values.map((one) => one ?? "-").join(",")}`;
    });
  return parts.length === 0 ? "the whole fleet" : parts.join(" ");
}

/** Which rows a stage takes, as its document says. */
function selectionText(spec: StageSpec | undefined): string {
  if (spec?.target !== undefined) return filtersText(spec.target);
  if (spec?.percent !== undefined) return `${spec.percent}% of the remaining rows`;
  if (spec?.count !== undefined) return `${spec.count} of the remaining rows`;
  return "all remaining rows";
}

/** Up to MAX_ROWS_LISTED lines, then `… and N more`. */
function firstRows(lines: readonly string[], indent: string): string[] {
  const shown = lines.slice(0, MAX_ROWS_LISTED).map((line) => `${indent}${line}`);
  const more = lines.length - MAX_ROWS_LISTED;
  return more > 0 ? [...shown, `${indent}… and ${more} more`] : shown;
}

/** `3  cashier logged in` per reason, most frequent first (then by reason). */
function grouped(reasons: readonly string[], indent: string): string[] {
  const counts = new Map<string, number>();
  for (const reason of reasons) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  return [...counts]
    .sort(([a, na], [b, nb]) => nb - na || a.localeCompare(b))
    .map(([reason, n]) => `${indent}${n}  ${reason}`);
}

function stageBlock(
  stage: StageView,
  index: number,
  view: ReleaseView,
  paint: (text: string) => string,
): string[] {
  const spec = view.spec.stages[index];
  const checkpoint = stage.checkpoint === "none" ? "" : `, checkpoint ${stage.checkpoint}`;
  const lines = [
    `Stage ${index + 1}/${view.stages.length} ${stage.name}: ${paint(stage.state)}`,
    `  rows: ${selectionText(spec)}${checkpoint}`,
  ];
  if (stage.startedAt !== null || stage.endedAt !== null)
    lines.push(
      `  started ${stage.startedAt ?? "-"}${stage.endedAt === null ? "" : `, ended ${stage.endedAt}`}`,
    );
  if (stage.reason !== null) lines.push(`  why: ${stage.reason}`);
  const { counts } = stage;
  if (counts.total === 0 && counts.skipped === 0) {
    const started = stage.startedAt !== null || stage.members.length > 0;
    lines.push(started ? "  no rows" : "  not started: its rows are chosen when it starts");
    return lines;
  }
  lines.push(
    `  ${progressBar(counts.OK, counts.total)}  ${counts.OK} of ${counts.total} OK`,
    `  ${countsLine(counts)}`,
  );
  if (stage.notReady.length > 0)
    lines.push(
      `  Not Ready (${stage.notReady.length}), by reason:`,
      ...grouped(
        stage.notReady.map((row) => row.reason),
        "    ",
      ),
    );
  if (stage.timedOut.length > 0)
    lines.push(`  Timed out (${stage.timedOut.length}):`, ...firstRows(stage.timedOut, "    "));
  if (stage.failed.length > 0)
    lines.push(
      `  Failed (${stage.failed.length}):`,
      ...firstRows(
        stage.failed.map((row) => `${row.key}  ${row.status}: ${row.reason}`),
        "    ",
      ),
    );
  if (stage.skipped.length > 0)
    lines.push(
      `  Skipped (${stage.skipped.length}), by reason:`,
      ...grouped(
        stage.skipped.map((row) => row.reason),
        "    ",
      ),
    );
  return lines;
}

/** `tillroll release show ID`: header, rules, each stage's block, history, decisions. */
export function renderRelease(view: ReleaseView, options: RenderOptions): string {
  const paint = painter(options);
  const { spec } = view;
  const perStore = spec.maxPerStore === null ? "no limit" : String(spec.maxPerStore);
  const lines = [
    `Release ${view.id} "${view.name}": ${view.function} ${view.version}, ${paint(view.state)}`,
    `Created by ${view.createdBy} at ${view.createdAt}`,
    `Target: ${filtersText(spec.target)}`,
    `Rules: error threshold ${spec.errorThreshold}, success threshold ${spec.successThreshold}, stage timeout ${spec.stageTimeout}, soak ${spec.soak}, max per store ${perStore}, on error ${spec.onError}`,
  ];
  view.stages.forEach((stage, index) => {
    lines.push("", ...stageBlock(stage, index, view, paint));
  });
  lines.push("", "History:");
  if (view.history.length === 0) lines.push("  (none yet)");
  for (const entry of view.history)
    lines.push(
      `  ${entry.at}  ${entry.who}  ${entry.subject}  ${entry.from} -> ${entry.to}: ${entry.reason}`,
    );
  if (view.decisions.length > 0) {
    lines.push("", "Decisions:");
    for (const decision of view.decisions)
      lines.push(
        `  ${decision.at}  ${decision.who}  ${decision.verdict} ${decision.stage}${decision.comment === null ? "" : `: ${JSON.stringify(decision.comment)}`}`,
      );
  }
  return lines.join("\n");
}

/** The stage a release is at: the first not Successful (none when all are). */
function currentStage(stages: readonly { name: string; state: string }[]): string {
  const stage = stages.find((candidate) => candidate.state !== "Successful");
  return stage === undefined ? "-" : `${stage.name}: ${stage.state}`;
}

/** `release 3 "pos-client 1.1.0 spring": Running, stage pilot: Waiting for approval`. */
export function releaseLine(view: ReleaseView | ReleaseSummary): string {
  const stage = currentStage(view.stages);
  return `release ${view.id} "${view.name}": ${view.state}${stage === "-" ? "" : `, stage ${stage}`}`;
}

/** `tillroll release list`: one line per release task, newest first (the API's order). */
export function formatReleaseTable(releases: readonly ReleaseSummary[]): string {
  if (releases.length === 0) return "No release tasks yet (tillroll release create --file F).";
  return textTable(
    ["ID", "NAME", "FUNCTION", "VERSION", "STATE", "CURRENT STAGE"],
    releases.map((release) => [
      release.id,
      release.name,
      release.function,
      release.version,
      release.state,
      currentStage(release.stages),
    ]),
  );
}
