/**
 * Times in the viewer's zone (the browser's), and the same instant in a
 * store's zone for the hover title. Instants arrive as ISO 8601 UTC.
 */
const viewer = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : viewer.format(date);
}

/** `12 Dec 2026, 02:00 (Europe/Berlin)`, or "" without a zone. */
export function formatInZone(
  iso: string | null | undefined,
  zone: string | null | undefined,
): string {
  if (!iso || !zone) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  try {
    const inZone = new Intl.DateTimeFormat(undefined, {
      dateStyle: "medium",
      timeStyle: "short",
      timeZone: zone,
    });
    return `${inZone.format(date)} (${zone})`;
  } catch {
    return "";
  }
}

/** A `<time>` element: viewer's zone shown, the store's zone on hover. */
export function Time(props: { iso: string | null | undefined; zone?: string | null | undefined }) {
  if (!props.iso) return null;
  const title = formatInZone(props.iso, props.zone) || props.iso;
  return (
    <time dateTime={props.iso} title={title}>
      {formatTime(props.iso)}
    </time>
  );
}
