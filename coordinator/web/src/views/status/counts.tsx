import { type Counts, STATUSES } from "./model.js";
import { PAGE_SIZE } from "./view-state.js";

const number = new Intl.NumberFormat("en-US");

/** Rows per status over the whole filtered view (not just this page). */
export function CountsBar(props: { counts: Counts | null }) {
  return (
    <ul class="status-counts" aria-label="Counts">
      {STATUSES.map((status) => (
        <li key={status} class={`s-${status.replace(/\s+/g, "-").toLowerCase()}`}>
          {status} {number.format(props.counts?.[status] ?? 0)}
        </li>
      ))}
    </ul>
  );
}

/** "1–100 of 100,000" and the two page buttons (the server pages). */
export function Pager(props: {
  offset: number;
  shown: number;
  total: number;
  onOffset: (offset: number) => void;
}) {
  const { offset, shown, total } = props;
  const first = total === 0 ? 0 : offset + 1;
  return (
    <nav class="pager" aria-label="Pages">
      <button
        type="button"
        disabled={offset === 0}
        onClick={() => props.onOffset(Math.max(0, offset - PAGE_SIZE))}
      >
        Previous page
      </button>
      <span>
        {number.format(first)}–{number.format(offset + shown)} of {number.format(total)}
      </span>
      <button
        type="button"
        disabled={offset + shown >= total}
        onClick={() => props.onOffset(offset + PAGE_SIZE)}
      >
        Next page
      </button>
    </nav>
  );
}
