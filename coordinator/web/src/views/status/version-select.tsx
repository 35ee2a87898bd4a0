/**
 * The select of versions a row (or a selection of rows) may be set to: "-"
 * (no update planned) and the allowed versions, newest first. The row's
 * own select is named by aria-label ("Preferred Version for …"), the bulk
 * dialog's by its <label for> ("Version").
 */
export function VersionSelect(props: {
  id?: string;
  ariaLabel?: string;
  value: string;
  options: readonly string[];
  onChange: (version: string) => void;
}) {
  return (
    <select
      id={props.id}
      aria-label={props.ariaLabel}
      value={props.value}
      onChange={(e) => props.onChange(e.currentTarget.value)}
    >
      {props.options.map((v) => (
        <option key={v} value={v}>
          {v}
        </option>
      ))}
    </select>
  );
}
