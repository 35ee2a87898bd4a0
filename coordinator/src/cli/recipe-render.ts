import type { Answer } from "../api/routes.js";

/** How the recipe commands print their answers for people (issue 13). */

type Scope = Answer<"setRecipe">["scope"];

export function scopeText(scope: Scope): string {
  if (scope.kind === "group") return `group ${scope.group}`;
  if (scope.kind === "store") return `store ${scope.store}`;
  return `workstation ${scope.store}/${scope.workstation}`;
}

const short = (sha: string | null | undefined) => (sha == null ? "-" : sha.slice(0, 12));

export function formatRecipeSet(answer: Answer<"setRecipe">): string {
  const where = `the ${answer.function} recipe at ${scopeText(answer.scope)}`;
  if (!answer.changed)
    return `${capital(where)} already has this content (version ${answer.version}): nothing changed`;
  const lines = [`Set ${where}: version ${answer.version}, sha256 ${short(answer.sha256)}`];
  if (answer.affects.length === 0) lines.push("No row's effective recipe changed.");
  else
    lines.push(
      `${answer.affects.length} row(s) affected (tillroll updates lists them, tillroll rebuild applies it):`,
      ...answer.affects.map((key) => `  ${key}`),
    );
  return lines.join("\n");
}

type Content = { env: Record<string, string>; files: Record<string, string>; secrets: string[] };

function contentLines(
  content: Content,
  from?: { env: Record<string, string>; files: Record<string, string> },
): string[] {
  const origin = (where: string | undefined) => (where === undefined ? "" : `  (from ${where})`);
  const lines: string[] = [];
  for (const [key, value] of Object.entries(content.env))
    lines.push(`  env  ${key}=${oneLine(value)}${origin(from?.env[key])}`);
  for (const [path, value] of Object.entries(content.files))
    lines.push(`  file ${path}: ${fileSummary(value)}${origin(from?.files[path])}`);
  if (lines.length === 0) lines.push("  (empty)");
  return lines;
}

export function formatRecipeShow(answer: Answer<"showRecipe">): string {
  const lines: string[] = [];
  if (answer.entries.length === 0) lines.push(`No ${answer.function} recipe is set.`);
  for (const entry of answer.entries) {
    lines.push(
      `${scopeText(entry.scope)}: version ${entry.version}, sha256 ${short(entry.sha256)}, set by ${entry.by} at ${entry.at}`,
      ...contentLines(entry.content),
    );
  }
  const effective = answer.effective;
  if (effective !== undefined) {
    const ws = `${effective.store}/${effective.workstation}`;
    const group = effective.group === null ? "no group" : `group ${effective.group}`;
    if (effective.recipe === null)
      lines.push(`Effective ${answer.function} recipe of ${ws} (${group}): none`);
    else
      lines.push(
        `Effective ${answer.function} recipe of ${ws} (${group}): version ${effective.recipe.version}, sha256 ${short(effective.recipe.sha256)}`,
        ...contentLines(effective.recipe.content, effective.recipe.from),
      );
  }
  return lines.join("\n");
}

export function formatHistory(answer: Answer<"recipeHistory">): string {
  if (answer.records.length === 0) return `No ${answer.function} recipe was ever set.`;
  const lines: string[] = [];
  for (const record of answer.records) {
    lines.push(`${scopeText(record.scope)}:`);
    for (const revision of record.history)
      lines.push(
        `  v${revision.version}  ${revision.action.padEnd(5)}  ${short(revision.sha256).padEnd(12)}  ${revision.by}  ${revision.at}`,
      );
  }
  return lines.join("\n");
}

export function formatUpdates(rows: Answer<"updates">): string {
  if (rows.length === 0) return "No row's applied recipe differs from its effective one.";
  const table = [
    [
      "Store",
      "Workstation",
      "Function",
      "Group",
      "Active",
      "Status",
      "Applied",
      "Effective",
      "Note",
    ],
    ...rows.map((row) => [
      row.store,
      row.workstation,
      row.function,
      row.group ?? "-",
      row.activeVersion ?? "-",
      row.status,
      row.applied === null ? "-" : `v${row.applied.version} ${short(row.applied.sha256)}`,
      row.effective === null ? "-" : `v${row.effective.version} ${short(row.effective.sha256)}`,
      row.note ?? "",
    ]),
  ];
  const widths =
    table[0]?.map((_, column) => Math.max(...table.map((cells) => (cells[column] ?? "").length))) ??
    [];
  return table
    .map((cells) =>
      cells
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

function oneLine(value: string): string {
  const flat = value.replace(/\s+/g, " ");
  return flat.length > 60 ? `${flat.slice(0, 59)}…` : flat;
}

function fileSummary(value: string): string {
  if (value === "(secret)") return value;
  const bytes = new TextEncoder().encode(value).length;
  return `${bytes} bytes, ${JSON.stringify(oneLine(value).slice(0, 40))}`;
}

function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
