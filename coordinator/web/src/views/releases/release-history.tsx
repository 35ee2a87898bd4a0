import { ExactTime } from "./exact-time.js";
import type { ReleaseView } from "./model.js";

/** Every `from -> to` of the task and its stages, newest last (as the server keeps it). */
export function ReleaseHistory(props: { history: ReleaseView["history"] }) {
  return (
    <section class="rel-history" aria-label="History">
      <h2>History</h2>
      {props.history.length === 0 ? (
        <p>Nothing has happened yet.</p>
      ) : (
        <ol>
          {props.history.map((entry, index) => (
            <li key={`${entry.at}-${index}`}>
              <ExactTime iso={entry.at} /> <strong>{entry.subject}</strong>: {entry.from} →{" "}
              {entry.to}
              {entry.reason && <span class="rel-reason"> — {entry.reason}</span>}{" "}
              <span class="rel-who">({entry.who})</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
