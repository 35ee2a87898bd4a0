/**
 * The create answer's `warnings` (a downgrade) outlive the form: the form
 * navigates to the new task, whose page shows them once. Kept in the tab's
 * sessionStorage, keyed by the task's id, and removed when read.
 */
const KEY = (id: string) => `tillroll:release-warnings:${id}`;

export function keepCreateWarnings(id: string, warnings: readonly string[]): void {
  if (warnings.length === 0) return;
  try {
    sessionStorage.setItem(KEY(id), JSON.stringify(warnings));
  } catch {
    // Storage off (private mode): the warnings were shown on the form already.
  }
}

export function takeCreateWarnings(id: string): string[] {
  try {
    const text = sessionStorage.getItem(KEY(id));
    if (text === null) return [];
    sessionStorage.removeItem(KEY(id));
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed.filter((w) => typeof w === "string") : [];
  } catch {
    return [];
  }
}
