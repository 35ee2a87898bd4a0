/** A bar with its numbers for screen readers: OK members of all members. */
export function ProgressBar(props: { ok: number; total: number; label: string }) {
  const percent = props.total === 0 ? 0 : Math.round((props.ok / props.total) * 100);
  return (
    <div
      class="rel-progress"
      role="progressbar"
      aria-label={props.label}
      aria-valuemin={0}
      aria-valuemax={props.total}
      aria-valuenow={props.ok}
      aria-valuetext={`${props.ok} of ${props.total} OK`}
      title={`${props.ok} of ${props.total} OK`}
    >
      <span class="rel-progress-fill" style={{ width: `${percent}%` }} />
      <span class="rel-progress-text">
        {props.ok}/{props.total}
      </span>
    </div>
  );
}
