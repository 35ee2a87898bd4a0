import { useState } from "preact/hooks";
import { type Answer, API_ROUTES, type RequestQuery } from "../../../../src/api/contract.js";
import { FilterButtons } from "../../shell/filter-buttons.js";
import { useSession } from "../../shell/session.js";
import { Time } from "../../shell/time.js";
import { AdminPage, LocalTimeField, Refusal, TextField, useLoaded } from "./admin-kit.js";
import { type FieldIssues, issuesByField, topLevelField } from "./form-issues.js";
import { localInputToIso } from "./local-time.js";

type Entry = Answer<"audit">[number];

/** The audit query: operator, and from/to as UTC instants (inclusive) from the viewer's local inputs. */
type AuditFilter = RequestQuery<"audit">;
type FilterField = "operator" | "from" | "to";

const NO_FILTER: AuditFilter = {};
const filterFieldOf = topLevelField<FilterField>(["operator", "from", "to"]);

function whoText(who: Entry["who"]): string {
  return typeof who === "string" ? who : `${who.name} (${who.role})`;
}

/** The request as the operator gave it, one `key: value` per field. */
function detailsText(details: Entry["details"]): string {
  return Object.entries(details)
    .map(([key, value]) => `${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join("; ");
}

/** Who did what and when, newest first; filtered by operator and time. */
export function AuditPage() {
  const { api } = useSession();
  const [filter, setFilter] = useState<AuditFilter>(NO_FILTER);
  const list = useLoaded(() => api("audit", { query: filter }), JSON.stringify(filter));
  // The log is kept oldest first; the view shows the newest first.
  const entries = [...(list.data ?? [])].reverse();

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
  const [issues, setIssues] = useState<FieldIssues<FilterField>>({});
  const apply = (event: Event) => {
    event.preventDefault();
    const query: AuditFilter = {
      ...(operator.trim() === "" ? {} : { operator: operator.trim() }),
      ...(from === "" ? {} : { from: localInputToIso(from) }),
      ...(to === "" ? {} : { to: localInputToIso(to) }),
    };
    // The route's own query schema first: each issue beside its field, nothing sent.
    const checked = API_ROUTES.audit.query.safeParse(query);
    setIssues(checked.success ? {} : issuesByField(checked.error.issues, filterFieldOf));
    if (checked.success) props.onApply(query);
  };
  return (
    <form class="admin-filters" onSubmit={apply} noValidate aria-label="Audit filters">
      <TextField
        id="audit-operator"
        label="Operator"
        value={operator}
        onInput={setOperator}
        error={issues.operator}
      />
      <LocalTimeField
        id="audit-from"
        label="From"
        value={from}
        onInput={setFrom}
        error={issues.from}
      />
      <LocalTimeField id="audit-to" label="To" value={to} onInput={setTo} error={issues.to} />
      <Refusal text={issues.form} />
      <FilterButtons
        onClear={() => {
          setOperator("");
          setFrom("");
          setTo("");
          setIssues({});
          props.onApply(NO_FILTER);
        }}
      />
    </form>
  );
}
