import { useEffect, useMemo, useState } from "preact/hooks";
import type { Api } from "../../api/client.js";
import { byFunction, changeSentence, combine, type Outcome, versionsFor } from "./bulk-change.js";
import { localInputToUtc } from "./local-time.js";
import { Modal } from "./modal.js";
import { NO_VERSION, type PageRow, rowKey } from "./model.js";
import { messageOf, setPreferred } from "./status-api.js";
import { VersionSelect } from "./version-select.js";

/**
 * "Change Preferred Version" for the selected rows: choose a version and a
 * Valid From; the dialog asks the server for a dry run first and shows how
 * many rows change and which are skipped and why, and only OK applies it
 * (one request per function). Cancel closes and changes nothing.
 */
export function BulkDialog(props: {
  api: Api;
  rows: PageRow[];
  onClose: () => void;
  onApplied: (message: string) => void;
}) {
  const { api, rows } = props;
  const versions = useMemo(() => versionsFor(rows), [rows]);
  const [version, setVersion] = useState(versions[1] ?? NO_VERSION);
  const [validFrom, setValidFrom] = useState("");
  const [preview, setPreview] = useState<{ key: string; outcome: Outcome } | null>(null);
  const [applying, setApplying] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const inputKey = `${version}|${validFrom}`;

  const run = async (dryRun: boolean): Promise<Outcome> => {
    const at = localInputToUtc(validFrom);
    const results = await Promise.all(
      byFunction(rows).map(async (group) => {
        try {
          const report = await setPreferred(api, {
            function: group.function,
            version,
            validFrom: at,
            rows: group.rows,
            dryRun,
          });
          return { function: group.function, report };
        } catch (failure) {
          return { function: group.function, message: messageOf(failure) };
        }
      }),
    );
    return combine(results);
  };

  // The dry run, again whenever the version or the Valid From changes.
  useEffect(() => {
    let current = true;
    setPreview(null);
    const timer = setTimeout(() => {
      run(true).then((outcome) => {
        if (current) setPreview({ key: inputKey, outcome });
      });
    }, 150);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [inputKey]);

  const ready = preview !== null && preview.key === inputKey;
  const ok = async () => {
    setApplying(true);
    setError(null);
    try {
      const outcome = await run(false);
      if (outcome.refused.length > 0 && outcome.changed === 0) {
        setError(outcome.refused.map((r) => `${r.function}: ${r.message}`).join("; "));
        return;
      }
      const skipped = outcome.skipped.length > 0 ? `, ${outcome.skipped.length} skipped` : "";
      props.onApplied(`${changeSentence(outcome.changed, false)}${skipped}`);
    } finally {
      setApplying(false);
    }
  };

  return (
    <Modal title="Change Preferred Version" class="bulk" onClose={props.onClose}>
      <p>
        {rows.length === 1 ? "1 row selected" : `${rows.length} rows selected`} (
        {byFunction(rows)
          .map((g) => g.function)
          .join(", ")}
        )
      </p>
      <div class="dialog-fields">
        <label for="bulk-version">Version</label>
        <VersionSelect id="bulk-version" value={version} options={versions} onChange={setVersion} />
        <label for="bulk-valid-from">Valid From</label>
        <input
          id="bulk-valid-from"
          type="datetime-local"
          value={validFrom}
          onInput={(e) => setValidFrom(e.currentTarget.value)}
        />
      </div>
      <div class="dry-run" aria-live="polite">
        {!ready && <p>Checking what would change…</p>}
        {ready && preview && <DryRun outcome={preview.outcome} />}
      </div>
      {error && <p role="alert">{error}</p>}
      <div class="dialog-actions">
        <button
          type="button"
          class="primary"
          disabled={!ready || applying || (preview?.outcome.changed ?? 0) === 0}
          onClick={() => void ok()}
        >
          OK
        </button>
        <button type="button" onClick={props.onClose}>
          Cancel
        </button>
      </div>
    </Modal>
  );
}

function DryRun(props: { outcome: Outcome }) {
  const { outcome } = props;
  return (
    <>
      <p class="will-change">{changeSentence(outcome.changed, true)}</p>
      {outcome.refused.map((r) => (
        <p key={r.function} role="alert">
          {r.function}: {r.message}
        </p>
      ))}
      {outcome.skipped.length > 0 && (
        <section aria-label="Skipped" class="skipped">
          <h3>Skipped ({outcome.skipped.length})</h3>
          <ul>
            {outcome.skipped.map((skip) => (
              <li key={rowKey(skip)}>
                <strong>{rowKey(skip)}</strong>: {skip.reason}
              </li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}
