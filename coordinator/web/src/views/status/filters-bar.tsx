import { useEffect, useState } from "preact/hooks";
import { FilterButtons } from "../../shell/filter-buttons.js";
import { type Facets, STATUSES, type Status } from "./model.js";
import { emptyFilters, type TextFilter, type ViewState } from "./view-state.js";

type Draft = ReturnType<typeof emptyFilters>;

/** Label, query name and datalist (from the facets) of each text filter, in the seed's order. */
const TEXT_FIELDS: readonly {
  name: TextFilter;
  label: string;
  list?: keyof Facets;
  hint: string;
}[] = [
  { name: "store", label: "Store", hint: "1001, 2002" },
  { name: "workstation", label: "Workstation", hint: "01, 02" },
  { name: "function", label: "Flow Service", list: "functions", hint: "pos-client" },
  { name: "active-version", label: "Active Version", list: "versions", hint: "1.2.0, -" },
  { name: "preferred-version", label: "Preferred Version", list: "versions", hint: "1.3.0, -" },
  { name: "group", label: "Business Unit Group", list: "groups", hint: "DE/North" },
];

/**
 * The seed's filters. Lists are comma-separated (the API takes lists), the
 * status a group of checkboxes; Enter or "Apply filters" applies them all.
 */
export function FiltersBar(props: {
  state: ViewState;
  facets: Facets | null;
  onApply: (draft: Draft) => void;
}) {
  const { state } = props;
  const [draft, setDraft] = useState<Draft>(() => draftOf(state));
  // A view opened by the back button or a shared link shows its own filters.
  useEffect(() => setDraft(draftOf(state)), [state]);

  const setText = (name: TextFilter, value: string) =>
    setDraft((d) => ({ ...d, text: { ...d.text, [name]: value } }));
  const toggleStatus = (status: Status, on: boolean) =>
    setDraft((d) => ({
      ...d,
      status: STATUSES.filter((s) => (s === status ? on : d.status.includes(s))),
    }));

  return (
    <form
      class="status-filters"
      aria-label="Filters"
      onSubmit={(event) => {
        event.preventDefault();
        props.onApply(draft);
      }}
    >
      {TEXT_FIELDS.map((field) => (
        <div class="field" key={field.name}>
          <label for={`filter-${field.name}`}>{field.label}</label>
          <input
            id={`filter-${field.name}`}
            name={field.name}
            value={draft.text[field.name]}
            placeholder={field.hint}
            list={field.list ? `facet-${field.name}` : undefined}
            autocomplete="off"
            onInput={(e) => setText(field.name, e.currentTarget.value)}
          />
          {field.list && (
            <datalist id={`facet-${field.name}`}>
              {(props.facets?.[field.list] ?? []).map((value) => (
                <option key={value} value={value} />
              ))}
            </datalist>
          )}
        </div>
      ))}
      <DateField
        id="filter-valid-from-from"
        label="Valid From Date From"
        value={draft.validFromFrom}
        onInput={(value) => setDraft((d) => ({ ...d, validFromFrom: value }))}
      />
      <DateField
        id="filter-valid-from-to"
        label="Valid From Date To"
        value={draft.validFromTo}
        onInput={(value) => setDraft((d) => ({ ...d, validFromTo: value }))}
      />
      <fieldset class="statuses">
        <legend>Status</legend>
        {STATUSES.map((status) => (
          <label key={status}>
            <input
              type="checkbox"
              checked={draft.status.includes(status)}
              onChange={(e) => toggleStatus(status, e.currentTarget.checked)}
            />
            {status}
          </label>
        ))}
      </fieldset>
      <FilterButtons
        onClear={() => {
          const empty = emptyFilters();
          setDraft(empty);
          props.onApply(empty);
        }}
      />
    </form>
  );
}

/** A labelled date input (a whole day, as the API reads a plain date). */
function DateField(props: {
  id: string;
  label: string;
  value: string;
  onInput: (value: string) => void;
}) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        type="date"
        value={props.value}
        onInput={(e) => props.onInput(e.currentTarget.value)}
      />
    </div>
  );
}

function draftOf(state: ViewState): Draft {
  return {
    text: { ...state.text },
    status: [...state.status],
    validFromFrom: state.validFromFrom,
    validFromTo: state.validFromTo,
  };
}
