import { useState } from "preact/hooks";
import type { Answer } from "../../../../src/api/contract.js";
import { useSession } from "../../shell/session.js";
import { Time } from "../../shell/time.js";
import { AdminPage, Refusal, TextField, useLoaded } from "./admin-kit.js";
import { localInputToIso } from "./local-time.js";

type Entry = Answer<"audit">[number];

interface AuditFilter {
  readonly operator: string;
  /** UTC instants (from the viewer's local input), inclusive. */
  readonly from: string | undefined;
  readonly to: string | undefined;
}

const NO_FILTER: AuditFilter = { operator: "", from: undefined, to: undefined };

function whoText(who: Entry["who"]): string {
  return typeof who === "string" ? who : `${who.name} (${who.role})`;
}

/** The request as the operator gave it, one `key: value` per field. */
function detailsText(details: Entry["details"]): string {
  return Object.entries(details)
    .map(([key, value]) => `${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join("; ");
}

/** Entries within the period: the server has no time filter yet, so the console applies it. */
function withinPeriod(entry: Entry, filter: AuditFilter): boolean {
  const at = Date.parse(entry.at);
  if (filter.from !== undefined && at < Date.parse(filter.from)) return false;
  if (filter.to !== undefined && at > Date.parse(filter.to)) return false;
  return true;
}

/** Who did what and when, newest first; filtered by operator and time. */
export function AuditPage() {
  const { api } = useSession();
  const [filter, setFilter] = useState<AuditFilter>(NO_FILTER);
  const list = useLoaded(
    () => api("audit", { query: filter.operator === "" ? {} : { operator: filter.operator } }),
    JSON.stringify(filter),
  );
  const entries = (list.data ?? []).filter((entry) => withinPeriod(entry, filter)).reverse();

  return (
    <AdminPage
      title="Audit log"
      intro="Every console action: who (with the role they acted with), when, what they asked for and which rows it touched. Times in your zone."
    >
      <AuditFilters onApply={setFilter} />
      <Refusal text={list.error} />
      <div class="table-wrap">
        <table aria-label="Audit log">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Operator</th>
              <th scope="col">Action</th>
              <th scope="col">Details</th>
              <th scope="col">Rows changed</th>
              <th scope="col">Skipped</th>
            </tr>
          </thead>
          <tbody>
            {list.data !== undefined && entries.length === 0 && (
              <tr>
                <td colSpan={6}>No entry matches.</td>
              </tr>
            )}
            {entries.map((entry, index) => (
              <tr key={`${entry.at}-${index}`} data-action={entry.action}>
                <td>
                  <Time iso={entry.at} />
                </td>
                <td>{whoText(entry.who)}</td>
                <td>{entry.action}</td>
                <AuditDetails text={detailsText(entry.details)} />
                <td title={entry.touched.slice(0, 20).join("\n")}>{entry.touched.length}</td>
                <td>{entry.skipped}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </AdminPage>
  );
}

/** Long requests (row lists) are cut in the table; the whole text is the cell's title. */
const DETAILS_SHOWN = 300;

function AuditDetails(props: { text: string }) {
  const cut = props.text.length > DETAILS_SHOWN;
  return (
    <td class="admin-details" title={cut ? props.text : undefined}>
      {cut ? `${props.text.slice(0, DETAILS_SHOWN)}…` : props.text}
    </td>
  );
}

function AuditFilters(props: { onApply: (filter: AuditFilter) => void }) {
  const [operator, setOperator] = useState("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const apply = (event: Event) => {
    event.preventDefault();
    props.onApply({
      operator: operator.trim(),
      from: localInputToIso(from),
      to: localInputToIso(to),
    });
  };
  return (
    <form class="admin-filters" onSubmit={apply} aria-label="Audit filters">
      <TextField id="audit-operator" label="Operator" value={operator} onInput={setOperator} />
      <TextField
        id="audit-from"
        label="From"
        type="datetime-local"
        value={from}
        onInput={setFrom}
      />
      <TextField id="audit-to" label="To" type="datetime-local" value={to} onInput={setTo} />
      <button type="submit" class="primary">
        Apply filters
      </button>
      <button
        type="button"
        onClick={() => {
          setOperator("");
          setFrom("");
          setTo("");
          props.onApply(NO_FILTER);
        }}
      >
        Clear filters
      </button>
    </form>
  );
}
