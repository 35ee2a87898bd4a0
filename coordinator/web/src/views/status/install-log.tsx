import { useEffect, useState } from "preact/hooks";
import type { Api } from "../../api/client.js";
import { Time } from "../../shell/time.js";
import { Modal } from "./modal.js";
import { type InstallLogLine, type PageRow, rowKey } from "./model.js";
import { loadInstallLog, messageOf } from "./status-api.js";

/** What the coordinator kept of a row's install log (the agents' `log` topic), oldest first. */
export function InstallLogDrawer(props: { api: Api; row: PageRow; onClose: () => void }) {
  const { api, row } = props;
  const [lines, setLines] = useState<InstallLogLine[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    loadInstallLog(api, row).then(
      (answer) => setLines(answer.lines),
      (failure) => setError(messageOf(failure)),
    );
  }, [api, row.store, row.workstation, row.function]);

  return (
    <Modal title={`Install log for ${rowKey(row)}`} class="drawer" onClose={props.onClose}>
      {error && <p role="alert">{error}</p>}
      {lines === null && !error && <p>Loading…</p>}
      {lines?.length === 0 && <p>no install log kept for this service</p>}
      {lines && lines.length > 0 && (
        <ol class="log-lines">
          {lines.map((line, index) => (
            <li key={`${line.at}-${index}`} class={`level-${line.level}`}>
              <Time iso={line.at} zone={row.storeZone} /> <span class="level">{line.level}</span>{" "}
              {line.text}
            </li>
          ))}
        </ol>
      )}
      <div class="dialog-actions">
        <button type="button" onClick={props.onClose}>
          Close
        </button>
      </div>
    </Modal>
  );
}
