import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { navigate, usePath } from "../../shell/router.js";
import { useSession } from "../../shell/session.js";
import { BulkDialog } from "./bulk-dialog.js";
import { CountsBar, Pager } from "./counts.js";
import { FiltersBar } from "./filters-bar.js";
import { InstallLogDrawer } from "./install-log.js";
import { LiveIndicator, useLiveFeed } from "./live-feed.js";
import { type Counts, type Facets, type PageAnswer, type PageRow, refOf, rowKey } from "./model.js";
import { loadFacets, loadPage, messageOf, retryRows, setPreferred } from "./status-api.js";
import type { RowActions } from "./status-row.js";
import { StatusTable } from "./status-table.js";
import {
  filterQuery,
  pageQuery,
  parseViewState,
  type SortKey,
  searchOf,
  type ViewState,
} from "./view-state.js";
import "./status.css";

/** After live changes that may move rows across pages, fetch the page again this much later. */
const REFETCH_MS = 1_000;

/**
 * The status overview (seed 000): every flow service in the operator's scope,
 * filtered, sorted and paged by the server, kept current by the live feed;
 * change controls only for roles that may use them (the server decides again).
 */
export function StatusPage() {
  const { api, may, logout } = useSession();
  const path = usePath();
  const search = path.includes("?") ? path.slice(path.indexOf("?")) : "";
  const state = useMemo(() => parseViewState(search), [search]);
  const query = useMemo(() => pageQuery(state), [state]);
  const pageKey = searchOf(query);
  const liveKey = searchOf(filterQuery(state));

  const [page, setPage] = useState<PageAnswer | null>(null);
  // The filters the live feed follows: switched once the page of new filters is in, so
  // the stream's opening never competes with the page request a filter change waits for.
  const [liveFor, setLiveFor] = useState<string | null>(null);
  const [counts, setCounts] = useState<Counts | null>(null);
  const [facets, setFacets] = useState<Facets | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [selected, setSelected] = useState<ReadonlyMap<string, PageRow>>(new Map());
  const [bulkOpen, setBulkOpen] = useState(false);
  const [logRow, setLogRow] = useState<PageRow | null>(null);
  const sequence = useRef(0);
  const pageRef = useRef(page);
  pageRef.current = page;
  const refetchTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const fetchPage = useCallback(() => {
    const mine = ++sequence.current;
    loadPage(api, query).then(
      (answer) => {
        if (mine !== sequence.current) return;
        setPage(answer);
        setCounts(answer.counts);
        setLiveFor(liveKey);
        setError(null);
      },
      (failure) => {
        if (mine === sequence.current) setError(messageOf(failure));
      },
    );
  }, [api, pageKey]);

  useEffect(() => {
    fetchPage();
    setSelected(new Map());
  }, [fetchPage]);
  // The filter bar's suggestions after the first page (the page is what the operator waits for).
  const pageShown = page !== null;
  useEffect(() => {
    if (pageShown) loadFacets(api).then(setFacets, () => setFacets(null));
  }, [api, pageShown]);
  useEffect(() => () => clearTimeout(refetchTimer.current), []);

  const refetchSoon = () => {
    clearTimeout(refetchTimer.current);
    refetchTimer.current = setTimeout(fetchPage, REFETCH_MS);
  };

  // Until the stream follows the shown filters, its events belong to the old view.
  const following = liveFor === liveKey;
  const live = useLiveFeed(liveFor, {
    onRows: (rows) => {
      if (!following) return;
      const changed = new Map(rows.map((row) => [rowKey(row), row]));
      const onPage = new Set((pageRef.current?.rows ?? []).map(rowKey));
      const missing = rows.some((row) => !onPage.has(rowKey(row)));
      setPage((current) =>
        current
          ? { ...current, rows: current.rows.map((row) => changed.get(rowKey(row)) ?? row) }
          : current,
      );
      setSelected((current) => {
        // A row that turned In Progress cannot stay selected.
        const next = new Map(current);
        for (const [key, row] of changed)
          if (next.has(key)) {
            if (row.selectable) next.set(key, row);
            else next.delete(key);
          }
        return next;
      });
      // A row new to the view, or a sort by what changed, may move rows between pages.
      if (missing || state.sort !== "store") refetchSoon();
    },
    onGone: (keys) => {
      if (!following) return;
      const gone = new Set(keys);
      setPage((current) =>
        current
          ? { ...current, rows: current.rows.filter((row) => !gone.has(rowKey(row))) }
          : current,
      );
      setSelected((current) => new Map([...current].filter(([key]) => !gone.has(key))));
      refetchSoon();
    },
    onCounts: (counts) => {
      if (following) setCounts(counts);
    },
    onResync: fetchPage,
    onEnded: () => void logout(),
  });

  const go = (next: ViewState) => navigate(`/${searchOf(pageQuery(next))}`);
  const onSort = (key: SortKey) =>
    go({
      ...state,
      sort: key,
      dir: state.sort === key && state.dir === "asc" ? "desc" : "asc",
      offset: 0,
    });

  const act = async (work: () => Promise<string>) => {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      setNotice(await work());
      fetchPage();
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  };

  // The rows' handlers read the latest state through a ref, so the actions object (and
  // with it every memoised row) stays the same across renders.
  const handlers = useRef<Pick<RowActions, "onSelect" | "onSet" | "onRetry" | "onLog">>(null);
  handlers.current = {
    onSelect: (row, on) =>
      setSelected((current) => {
        const next = new Map(current);
        if (on && row.selectable) next.set(rowKey(row), row);
        else next.delete(rowKey(row));
        return next;
      }),
    onSet: (row, version, validFrom) =>
      void act(async () => {
        const report = await setPreferred(api, {
          function: row.function,
          version,
          validFrom,
          rows: [refOf(row)],
          dryRun: false,
        });
        const skip = report.skipped[0];
        if (skip && skip.kind === "skip") throw new Error(`${rowKey(row)} skipped: ${skip.reason}`);
        return `${rowKey(row)}: preferred version ${version}`;
      }),
    onRetry: (row) =>
      void act(async () => {
        const report = await retryRows(api, [refOf(row)]);
        const skip = report.skipped[0];
        if (skip && skip.kind === "skip") throw new Error(`${rowKey(row)} skipped: ${skip.reason}`);
        return `${rowKey(row)}: retry requested`;
      }),
    onLog: setLogRow,
  };
  const canSet = may("setPreferred");
  const canRetry = may("retry");
  const rows = page?.rows ?? [];
  const rowActions = useMemo<RowActions>(
    () => ({
      canSet,
      canRetry,
      busy,
      onSelect: (row, on) => handlers.current?.onSelect(row, on),
      onSet: (row, version, validFrom) => handlers.current?.onSet(row, version, validFrom),
      onRetry: (row) => handlers.current?.onRetry(row),
      onLog: (row) => handlers.current?.onLog(row),
    }),
    [canSet, canRetry, busy],
  );

  return (
    <section class="status-page" aria-labelledby="status-title">
      <div class="status-head">
        <h1 id="status-title">Status overview</h1>
        <LiveIndicator state={live} />
      </div>
      <FiltersBar
        state={state}
        facets={facets}
        onApply={(draft) => go({ ...state, ...draft, offset: 0 })}
      />
      <CountsBar counts={counts} />
      {error && <p role="alert">{error}</p>}
      {notice && <p class="notice-ok">{notice}</p>}
      <div class="status-toolbar">
        {canSet && (
          <button
            type="button"
            class="primary"
            disabled={selected.size === 0}
            onClick={() => setBulkOpen(true)}
          >
            Change Preferred Version
          </button>
        )}
        {canSet && <span class="muted">{selected.size} selected</span>}
        {page && (
          <Pager
            offset={page.offset}
            shown={rows.length}
            total={page.total}
            onOffset={(offset) => go({ ...state, offset })}
          />
        )}
      </div>
      <StatusTable
        rows={rows}
        selected={new Set(selected.keys())}
        sort={state.sort}
        dir={state.dir}
        onSort={onSort}
        onSelectPage={(on) =>
          setSelected((current) => {
            const next = new Map(current);
            for (const row of rows) {
              if (!row.selectable) continue;
              if (on) next.set(rowKey(row), row);
              else next.delete(rowKey(row));
            }
            return next;
          })
        }
        actions={rowActions}
      />
      {bulkOpen && (
        <BulkDialog
          api={api}
          rows={[...selected.values()]}
          onClose={() => setBulkOpen(false)}
          onApplied={(message) => {
            setBulkOpen(false);
            setSelected(new Map());
            setNotice(message);
            fetchPage();
          }}
        />
      )}
      {logRow && <InstallLogDrawer api={api} row={logRow} onClose={() => setLogRow(null)} />}
    </section>
  );
}
