/**
 * `<input type="datetime-local">` speaks wall time in the viewer's zone
 * ("2026-12-20T00:00"); the API speaks UTC instants. These convert both ways.
 */

/** "2026-12-20T00:00" (viewer's zone) → "2026-12-19T23:00:00.000Z"; "" → undefined; garbage → the text as given (the schema names it). */
export function localInputToIso(value: string): string | undefined {
  if (value.trim() === "") return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

/** An instant as a datetime-local value in the viewer's zone. */
export function isoToLocalInput(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** The viewer's IANA zone (the default for a new window's zone). */
export function viewerZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

const DURATION = /^(?:(\d{1,2})h)?(?:(\d{1,4})m)?$/;

/** "3h", "1h30m", "45m" → minutes (the CLI's --duration grammar, whole minutes); undefined when it is not one. */
export function durationToMinutes(text: string): number | undefined {
  const trimmed = text.trim().toLowerCase();
  const match = DURATION.exec(trimmed);
  if (trimmed === "" || match === null) return undefined;
  return Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0);
}

/** 180 → "3h", 90 → "1h30m", 45 → "45m". */
export function minutesToDuration(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${h > 0 ? `${h}h` : ""}${m > 0 || h === 0 ? `${m}m` : ""}`;
}
