/** An instant to the second in the viewer's zone (history entries follow each other within seconds). */
const exact = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

export function ExactTime(props: { iso: string }) {
  const date = new Date(props.iso);
  const text = Number.isNaN(date.getTime()) ? props.iso : exact.format(date);
  return (
    <time dateTime={props.iso} title={props.iso}>
      {text}
    </time>
  );
}
