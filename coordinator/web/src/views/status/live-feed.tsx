import { useEffect, useRef, useState } from "preact/hooks";
import type { Counts, LiveEvent, PageRow } from "./model.js";
import { eventsUrl } from "./status-api.js";

export type LiveState = "Connecting…" | "Live" | "Reconnecting…" | "Offline";

export interface LiveHandlers {
  onRows: (rows: PageRow[]) => void;
  onGone: (keys: string[]) => void;
  onCounts: (counts: Counts) => void;
  /** The server dropped events (a slow reader): fetch the page again. */
  onResync: () => void;
  /** The session is over. */
  onEnded: () => void;
}

/** After the browser gives up (the server refused or went away), try again this much later. */
const REOPEN_MS = 5_000;

/**
 * The coordinator's server-sent events for the view's filters (filtered on
 * the server): rows that changed, rows that left, the counts. The browser's
 * EventSource reconnects by itself after a dropped connection
 * ("Reconnecting…"); when it gives up ("Offline") the hook opens a new one
 * a little later. A new filter opens a new stream; null opens none (yet).
 */
export function useLiveFeed(filterSearch: string | null, handlers: LiveHandlers): LiveState {
  const [state, setState] = useState<LiveState>("Connecting…");
  const latest = useRef(handlers);
  latest.current = handlers;

  useEffect(() => {
    if (filterSearch === null) return;
    let source: EventSource | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    // A new view's first stream is connecting, not reconnecting: only a
    // stream that was open (or a reopen after "Offline") reconnects.
    let opened = false;
    const parse = (event: Event): unknown => {
      try {
        return JSON.parse((event as MessageEvent<string>).data);
      } catch {
        return undefined;
      }
    };
    const open = () => {
      if (stopped) return;
      setState(opened ? "Reconnecting…" : "Connecting…");
      const es = new EventSource(eventsUrl(filterSearch));
      source = es;
      const live = () => {
        opened = true;
        setState("Live");
      };
      es.onopen = live;
      es.addEventListener("hello", live);
      es.addEventListener("rows", (event) => {
        const data = parse(event) as LiveEvent<"rows">["data"] | undefined;
        if (data?.rows) latest.current.onRows(data.rows);
      });
      es.addEventListener("gone", (event) => {
        const data = parse(event) as LiveEvent<"gone">["data"] | undefined;
        if (data?.keys) latest.current.onGone(data.keys);
      });
      es.addEventListener("counts", (event) => {
        const data = parse(event) as LiveEvent<"counts">["data"] | undefined;
        if (data) latest.current.onCounts(data);
      });
      es.addEventListener("resync", () => latest.current.onResync());
      es.addEventListener("ended", () => {
        stopped = true;
        es.close();
        setState("Offline");
        latest.current.onEnded();
      });
      es.onerror = () => {
        if (es.readyState === EventSource.CLOSED) {
          opened = true;
          setState("Offline");
          timer = setTimeout(open, REOPEN_MS);
        } else setState(opened ? "Reconnecting…" : "Connecting…");
      };
    };
    open();
    return () => {
      stopped = true;
      clearTimeout(timer);
      source?.close();
    };
  }, [filterSearch]);

  return state;
}

/** The connection indicator: Connecting… / Live / Reconnecting… / Offline. */
export function LiveIndicator(props: { state: LiveState }) {
  const tone = props.state === "Live" ? "live" : props.state === "Offline" ? "offline" : "retry";
  return (
    <span role="status" aria-label="Live updates" class={`live-indicator ${tone}`}>
      {props.state}
    </span>
  );
}
