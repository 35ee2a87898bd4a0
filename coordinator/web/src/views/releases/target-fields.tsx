import { TextField } from "./field.js";
import type { TargetField } from "./form-model.js";

const TARGET_LABELS: Readonly<Record<TargetField, { label: string; hint: string }>> = {
  store: { label: "Store", hint: "comma list, e.g. 1001, 1002" },
  workstation: { label: "Workstation", hint: "comma list" },
  group: { label: "Business Unit Group", hint: "e.g. DE (covers DE/North)" },
  status: { label: "Status", hint: "comma list, e.g. OK, Failed" },
  activeVersion: { label: "Active Version", hint: 'comma list; "-" for none' },
  preferredVersion: { label: "Preferred Version", hint: 'comma list; "-" for none' },
  validFromFrom: { label: "Valid From Date From", hint: "date or ISO time" },
  validFromTo: { label: "Valid From Date To", hint: "date or ISO time" },
};

/** The release's target: the status overview's filters; empty means the whole fleet (in scope). */
export function TargetFields(props: {
  target: Record<TargetField, string>;
  errors: Record<string, string>;
  onChange: (field: TargetField, value: string) => void;
}) {
  return (
    <fieldset class="rel-target">
      <legend>Target</legend>
      <p class="rel-hint">Which rows the task may reach; leave all empty for every row in scope.</p>
      <div class="rel-grid">
        {(Object.keys(TARGET_LABELS) as TargetField[]).map((field) => (
          <TextField
            key={field}
            field={`target.${field}`}
            hidden="Target "
            label={TARGET_LABELS[field].label}
            hint={TARGET_LABELS[field].hint}
            value={props.target[field]}
            errors={props.errors}
            onInput={(value) => props.onChange(field, value)}
          />
        ))}
      </div>
    </fieldset>
  );
}
