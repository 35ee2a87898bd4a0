/**
 * `<input type="datetime-local">` speaks the viewer's wall-clock time
 * (`2026-12-01T02:00`); the API speaks UTC instants. Pure conversions.
 */

/** The viewer's local wall time as an ISO UTC instant; null when empty or not a time. */
export function localInputToUtc(value: string): string | null {
  if (value.trim() === "") return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** An ISO instant as a datetime-local value in the viewer's zone ("" for none). */
export function utcToLocalInput(iso: string | null | undefined): string {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
