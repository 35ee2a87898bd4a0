import { type ConsoleTarget, callRoute } from "./console-client.js";
import { noticeLine } from "./schedule-render.js";

/**
 * The lines `status` and `release list` print atop their tables: one per
 * current or upcoming platform maintenance (GET /api/notices). Best effort:
 * a coordinator that cannot answer them (an older one) costs no line and
 * no error, the table still prints.
 */
export async function platformNoticeLines(target: ConsoleTarget): Promise<string[]> {
  try {
    const { notices } = await callRoute(target, "notices");
    return notices.map(noticeLine);
  } catch {
    return [];
  }
}

/** The table with the notice lines above it (none: the table alone). */
export function withNotices(lines: readonly string[], table: string): string {
  return lines.length === 0 ? table : `${lines.join("\n")}\n\n${table}`;
}
