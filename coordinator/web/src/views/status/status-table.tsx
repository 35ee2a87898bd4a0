import { type PageRow, rowKey } from "./model.js";
import { type RowActions, StatusRowView } from "./status-row.js";
import type { SortKey } from "./view-state.js";

/** The seed's columns, in its order, with the sort key each header sorts by (Online: none). */
const COLUMNS: readonly { label: string; sort?: SortKey }[] = [
  { label: "Store", sort: "store" },
  { label: "Workstation", sort: "workstation" },
  { label: "Flow Service", sort: "function" },
  { label: "Active Version", sort: "activeVersion" },
  { label: "Preferred Version", sort: "preferredVersion" },
  { label: "Status", sort: "status" },
  { label: "Valid From", sort: "validFrom" },
  { label: "Business Unit Group", sort: "group" },
  { label: "Online" },
];

/**
 * The page of rows. Sorting is the server's: a header button asks for the
 * view sorted by its column (again: the other direction), and `aria-sort`
 * says which column sorts it.
 */
export function StatusTable(props: {
  rows: PageRow[];
  selected: ReadonlySet<string>;
  sort: SortKey;
  dir: "asc" | "desc";
  onSort: (key: SortKey) => void;
  onSelectPage: (on: boolean) => void;
  actions: RowActions;
}) {
  const { rows, selected, actions } = props;
  const selectable = rows.filter((row) => row.selectable);
  const allOn = selectable.length > 0 && selectable.every((row) => selected.has(rowKey(row)));
  return (
    <div class="table-wrap">
      <table aria-label="Status overview" class="status-table">
        <thead>
          <tr>
            {actions.canSet && (
              <th class="select" scope="col">
                <input
                  type="checkbox"
                  aria-label="Select all on this page"
                  checked={allOn}
                  disabled={selectable.length === 0}
                  onChange={(e) => props.onSelectPage(e.currentTarget.checked)}
                />
              </th>
            )}
            {COLUMNS.map((column) => {
              const sorted = column.sort !== undefined && column.sort === props.sort;
              const ariaSort = sorted
                ? props.dir === "asc"
                  ? "ascending"
                  : "descending"
                : undefined;
              return (
                <th key={column.label} scope="col" aria-sort={ariaSort}>
                  {column.sort ? (
                    <button
                      type="button"
                      class="sort"
                      onClick={() => column.sort && props.onSort(column.sort)}
                    >
                      {column.label}
                    </button>
                  ) : (
                    column.label
                  )}
                </th>
              );
            })}
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <StatusRowView
              key={rowKey(row)}
              row={row}
              selected={selected.has(rowKey(row))}
              actions={actions}
            />
          ))}
          {rows.length === 0 && (
            <tr>
              <td colSpan={COLUMNS.length + 2} class="empty">
                No flow services match these filters.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
