import { memo } from "preact/compat";
import { useEffect, useState } from "preact/hooks";
import { followLink } from "../../shell/router.js";
import { Time } from "../../shell/time.js";
import { localInputToUtc, utcToLocalInput } from "./local-time.js";
import { NO_VERSION, type PageRow, RETRYABLE, rowKey } from "./model.js";
import { VersionSelect } from "./version-select.js";

export interface RowActions {
  canSet: boolean;
  canRetry: boolean;
  busy: boolean;
  onSelect: (row: PageRow, on: boolean) => void;
  onSet: (row: PageRow, version: string, validFrom: string | null) => void;
  onRetry: (row: PageRow) => void;
  onLog: (row: PageRow) => void;
}

/**
 * One flow service: the seed's columns, its own Preferred Version drop-down
 * ("-" and the versions allowed for it) with a Valid From, and Set / Retry /
 * Log. In Progress rows can be neither selected nor changed (the seed).
 * Memoised: a page of 100 rows re-renders only the rows that changed.
 */
export const StatusRowView = memo(function StatusRowView(props: {
  row: PageRow;
  selected: boolean;
  actions: RowActions;
}) {
  const { row, actions } = props;
  const key = rowKey(row);
  const options = [NO_VERSION, ...row.allowedVersions];
  const current = row.preferredVersion ?? NO_VERSION;
  const [version, setVersion] = useState(options.includes(current) ? current : NO_VERSION);
  const [validFrom, setValidFrom] = useState(utcToLocalInput(row.validFrom));
  const [showReason, setShowReason] = useState(false);
  // The rows paint first; the Valid From pickers (costly in Chromium, 100 per page) a frame later.
  const [pickers, setPickers] = useState(false);
  useEffect(() => {
    const frame = requestAnimationFrame(() => setPickers(true));
    return () => cancelAnimationFrame(frame);
  }, []);
  // A change from elsewhere (live, another operator) resets this row's draft.
  useEffect(() => {
    setVersion(options.includes(current) ? current : NO_VERSION);
    setValidFrom(utcToLocalInput(row.validFrom));
  }, [current, row.validFrom, row.allowedVersions.join(",")]);

  const editable = actions.canSet && row.selectable;
  const notSelectable = "In Progress: the update has started, so this row cannot be changed";
  return (
    <tr data-row={key} data-status={row.status}>
      {actions.canSet && (
        <td class="select">
          <input
            type="checkbox"
            aria-label={`Select ${key}`}
            checked={props.selected}
            disabled={!row.selectable}
            title={row.selectable ? undefined : notSelectable}
            onChange={(e) => actions.onSelect(row, e.currentTarget.checked)}
          />
        </td>
      )}
      <td>{row.store}</td>
      <td>{row.workstation}</td>
      <td>{row.function}</td>
      <td>
        {row.activeVersion ?? NO_VERSION}
        {row.recipe === "outdated" && (
          <span
            class="recipe-outdated"
            title="The recipe this release was built with differs from the effective one: rebuild to apply it (tillroll rebuild, or tillroll updates to list them)"
          >
            {" "}
            recipe outdated
          </span>
        )}
      </td>
      <td class="preferred">
        {editable ? (
          <>
            <VersionSelect
              ariaLabel={`Preferred Version for ${key}`}
              value={version}
              options={options}
              onChange={setVersion}
            />
            {!options.includes(current) && <span class="muted"> now {current}</span>}
          </>
        ) : (
          <span>{current}</span>
        )}
        {row.scheduled && (
          <a
            class="scheduled"
            href={`/releases/${encodeURIComponent(row.scheduled.release)}`}
            title={`Release task ${row.scheduled.name}${row.scheduled.at ? ` at ${row.scheduled.at}` : ""}`}
            onClick={(e) =>
              followLink(e, `/releases/${encodeURIComponent(row.scheduled?.release ?? "")}`)
            }
          >
            Scheduled: {row.scheduled.name}
          </a>
        )}
      </td>
      <td class="status">
        <span
          class={`badge s-${row.status.replace(/\s+/g, "-").toLowerCase()}`}
          title={row.reason ?? undefined}
        >
          {row.status}
          {row.status === "In Progress" && row.phase
            ? ` (${row.phase}${row.progress !== null ? ` ${Math.round(row.progress)}%` : ""})`
            : ""}
        </span>
        {row.reason && (
          <>
            <button
              type="button"
              class="link"
              aria-expanded={showReason}
              aria-label={`Reason for ${key}`}
              onClick={() => setShowReason(!showReason)}
            >
              {showReason ? "Hide reason" : "Why?"}
            </button>
            {showReason && <p class="reason">{row.reason}</p>}
          </>
        )}
      </td>
      <td class="valid-from">
        <Time iso={row.validFrom} zone={row.storeZone} />
        {editable && pickers && (
          <input
            type="datetime-local"
            aria-label={`Valid From for ${key}`}
            value={validFrom}
            onInput={(e) => setValidFrom(e.currentTarget.value)}
          />
        )}
      </td>
      <td>{row.group ?? NO_VERSION}</td>
      <td class="online">
        {row.online ? "Online" : "Offline"}
        {row.lastReport && (
          <span class="muted">
            {" "}
            seen <Time iso={row.lastReport} zone={row.storeZone} />
          </span>
        )}
      </td>
      <td class="actions">
        {editable && (
          <button
            type="button"
            aria-label={`Set preferred version for ${key}`}
            disabled={actions.busy}
            onClick={() => actions.onSet(row, version, localInputToUtc(validFrom))}
          >
            Set
          </button>
        )}
        {actions.canRetry && RETRYABLE.has(row.status) && (
          <button
            type="button"
            aria-label={`Retry ${key}`}
            disabled={actions.busy}
            onClick={() => actions.onRetry(row)}
          >
            Retry
          </button>
        )}
        <button
          type="button"
          aria-label={`Install log for ${key}`}
          onClick={() => actions.onLog(row)}
        >
          Log
        </button>
      </td>
    </tr>
  );
});
