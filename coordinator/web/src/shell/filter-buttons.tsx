/**
 * The two buttons under a filter bar (the status mask's, the audit log's):
 * "Apply filters" submits the form (Enter does the same), "Clear filters"
 * empties the fields and applies no filter. The names are the ones the
 * browser tests look for (CONSOLE-API.md).
 */
export function FilterButtons(props: { onClear: () => void }) {
  return (
    <div class="filter-actions">
      <button type="submit" class="primary">
        Apply filters
      </button>
      <button type="button" onClick={props.onClear}>
        Clear filters
      </button>
    </div>
  );
}
