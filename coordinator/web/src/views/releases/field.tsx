import type { ComponentChildren } from "preact";

/** Ids for a field key (`stages.1.percent` → `rel-f-stages-1-percent`). */
export function fieldId(key: string): string {
  return `rel-f-${key.replace(/[^A-Za-z0-9]+/g, "-")}`;
}

/** A problem with one field, right under it; `aria-describedby` on the input points here. */
export function FieldError(props: { field: string; errors: Record<string, string> }) {
  const message = props.errors[props.field];
  if (!message) return null;
  return (
    <p class="rel-field-error" id={`${fieldId(props.field)}-error`}>
      {message}
    </p>
  );
}

/** The input's error attributes for `field`. */
export function errorProps(field: string, errors: Record<string, string>) {
  const wrong = Boolean(errors[field]);
  return {
    id: fieldId(field),
    "aria-invalid": wrong ? ("true" as const) : undefined,
    "aria-describedby": wrong ? `${fieldId(field)}-error` : undefined,
  };
}

/**
 * A text field with its label and hint. `hidden` words are read by screen
 * readers (and found by tests) but not shown, e.g. "Stage 2 " before "Name".
 */
export function TextField(props: {
  field: string;
  label: string;
  hidden?: string;
  hint?: string;
  value: string;
  placeholder?: string;
  type?: "text" | "number" | "datetime-local";
  list?: string;
  errors: Record<string, string>;
  onInput: (value: string) => void;
  children?: ComponentChildren;
}) {
  return (
    <div class="rel-field">
      <label for={fieldId(props.field)}>
        {props.hidden && <span class="rel-vh">{props.hidden}</span>}
        {props.label}
      </label>
      <input
        {...errorProps(props.field, props.errors)}
        type={props.type ?? "text"}
        value={props.value}
        placeholder={props.placeholder}
        list={props.list}
        onInput={(e) => props.onInput(e.currentTarget.value)}
      />
      {props.hint && <small class="rel-hint">{props.hint}</small>}
      <FieldError field={props.field} errors={props.errors} />
    </div>
  );
}
