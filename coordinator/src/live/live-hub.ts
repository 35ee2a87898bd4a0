import type { IncomingMessage, ServerResponse } from "node:http";
import { scopeCovers } from "../accounts/scope.js";
import { compileFilters, type Filters } from "../fleet/filters.js";
import type { ServiceRow } from "../fleet/service-row.js";
import type { PageRow } from "./page-row.js";
import type { RowFeed } from "./row-feed.js";
import { countRows, type StatusCounts } from "./status-counts.js";

/** Bounds and clocks of the live streams (`GET /api/events`). */
export interface LiveLimits {
  /** Streams open at once, all operators; more are refused with 503 and Retry-After. */
  readonly maxClients: number;
  /** Streams one operator may hold (console tabs); more are refused with 429. */
  readonly maxPerOperator: number;
  /** Changed rows are gathered this long into one batch per stream. */
  readonly coalesceMs: number;
  /** A `: ping` comment this often; the session is checked at each. */
  readonly pingMs: number;
  /** A batch with more rows than this for one stream is sent as `resync` (re-fetch the page). */
  readonly maxRowsPerEvent: number;
  /** What the refusals' Retry-After says. */
  readonly retryAfterSeconds: number;
}

export const LIVE_LIMITS: LiveLimits = {
  maxClients: 64,
  maxPerOperator: 8,
  coalesceMs: 250,
  pingMs: 15_000,
  maxRowsPerEvent: 500,
  retryAfterSeconds: 5,
};

/** The fleet table as the hub reads it: synchronously, rows as stored (frozen, shared). */
export interface LiveRowSource {
  get(key: string): ServiceRow | undefined;
  all(): Iterable<ServiceRow>;
}

export interface LiveHubDeps {
  feed: RowFeed;
  rows: LiveRowSource;
  /** A page-row builder for rows of these functions (live/page-row.ts pageRowMaker). */
  pageRows: (functions: Iterable<string>) => Promise<(row: ServiceRow) => PageRow>;
  log: (message: string) => void;
  limits?: Partial<LiveLimits>;
}

/** One stream to open: who, what view, and how to tell that their session is over. */
export interface LiveStreamRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly operator: string;
  readonly scope: string | null;
  readonly filters: Filters;
  /** Why the caller's session is over (`session ended`...), or null while it lasts; must not touch it. */
  readonly ended: () => string | null;
}

/** A stream refused before it opened: the HTTP answer to give instead. */
export interface LiveRefusal {
  readonly status: 429 | 503;
  readonly error: string;
  readonly retryAfterSeconds: number;
}

interface Client {
  readonly res: ServerResponse;
  readonly operator: string;
  /** Filters and scope as text: streams with the same view share each batch's work. */
  readonly view: string;
  readonly test: (row: ServiceRow) => boolean;
  readonly ended: () => string | null;
  counts: StatusCounts;
  /** The batch `counts` are as of (the hub's `shownBatch` then). */
  countsBatch: number;
  /** `res.write` said its buffer is full: nothing more is written until 'drain'. */
  blocked: boolean;
  /** Something was dropped while blocked: 'drain' sends one `resync` (re-fetch) instead. */
  missed: boolean;
  closed: boolean;
}

/** What one view makes of a batch: the text to send (null: nothing in the view changed) and the counts after it. */
interface ViewBatch {
  readonly text: string | null;
  readonly counts: StatusCounts;
  /** More rows than one event holds: the text is a resync. */
  readonly resync: boolean;
}

/** One change of a batch: the row as last fanned out (`before`) and as it is now. */
interface Change {
  readonly key: string;
  readonly before: ServiceRow | undefined;
  readonly now: ServiceRow | undefined;
}

/** Longest stretch of fan-out between two turns of the event loop (like the status collector's). */
const SLICE_MS = 8;

const event = (name: string, data: string) => `event: ${name}\ndata: ${data}\n\n`;

/**
 * The live streams of the console (CONSOLE-API.md §4). Changed row keys
 * from the feed are gathered for `coalesceMs`; each batch is read from the
 * table once, turned into page rows once (each serialised once), and fanned
 * out to every stream through its compiled filter and scope: O(changed ×
 * streams), never a query per stream.
 *
 * Counts stay right without recounting: the hub keeps `shown`, each row as
 * of the last batch (references to the table's frozen rows, no copies), so a
 * batch knows each changed row's status before and after and every stream
 * adjusts its counts by the rows that entered, left or changed status in
 * its view. A new stream counts its view once, over `shown`, so it agrees
 * with the batches that follow. `shown` exists only while streams are open.
 *
 * A slow reader never makes the hub buffer: once `res.write` reports a full
 * buffer the stream gets nothing more until 'drain', then one `resync`
 * (the console re-fetches its page) and its counts.
 */
export class LiveHub {
  private readonly limits: LiveLimits;
  private readonly clients = new Set<Client>();
  private shown: Map<string, ServiceRow> | null = null;
  /** Batches applied to `shown` (a stream's counts are right when they are as of the latest). */
  private shownBatch = 0;
  private readonly pending = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private flushing = false;
  private readonly pinger: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  private stopped = false;
  /** Batches fanned out; the last one: its keys, its work (ms, all slices), its longest slice (ms). */
  readonly stats = { batches: 0, lastBatchMs: 0, lastSliceMs: 0, lastBatchKeys: 0 };

  constructor(private readonly deps: LiveHubDeps) {
    this.limits = { ...LIVE_LIMITS, ...deps.limits };
    this.unsubscribe = deps.feed.subscribe((keys) => this.onChanged(keys));
    this.pinger = setInterval(() => this.ping(), this.limits.pingMs);
    this.pinger.unref();
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** Opens a stream, or answers why not (the caller sends that as JSON). */
  open(request: LiveStreamRequest): LiveRefusal | null {
    if (this.stopped)
      return { status: 503, error: "the coordinator is stopping", retryAfterSeconds: 5 };
    const { maxClients, maxPerOperator, retryAfterSeconds } = this.limits;
    if (this.clients.size >= maxClients)
      return {
        status: 503,
        error: `too many live streams open (${maxClients}): try again shortly`,
        retryAfterSeconds,
      };
    let theirs = 0;
    for (const client of this.clients) if (client.operator === request.operator) theirs += 1;
    if (theirs >= maxPerOperator)
      return {
        status: 429,
        error: `operator ${request.operator} already has ${maxPerOperator} live streams open: close a console tab`,
        retryAfterSeconds,
      };
    const predicate = compileFilters(request.filters);
    const { scope } = request;
    const test = (row: ServiceRow) => scopeCovers(scope, row.group) && predicate(row);
    const view = JSON.stringify([scope, request.filters]);
    const client: Client = {
      res: request.res,
      operator: request.operator,
      view,
      test,
      ended: request.ended,
      counts: this.countsFor(view, test),
      countsBatch: this.shownBatch,
      blocked: false,
      missed: false,
      closed: false,
    };
    this.clients.add(client);
    const { res } = request;
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      "x-accel-buffering": "no",
      connection: "keep-alive",
    });
    res.flushHeaders();
    const drop = () => this.drop(client);
    request.req.on("close", drop);
    res.on("close", drop);
    res.on("error", drop);
    this.write(
      client,
      `retry: 3000\n\n${event("hello", "{}")}${event("counts", JSON.stringify(client.counts))}`,
    );
    return null;
  }

  /** Ends every stream (coordinator shutdown) and stops listening. */
  async close(): Promise<void> {
    this.stopped = true;
    this.unsubscribe();
    clearInterval(this.pinger);
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    for (const client of [...this.clients]) {
      this.drop(client);
      client.res.end();
    }
  }

  /**
   * The counts of a new stream's view over `shown`: those of a stream with
   * the same view whose counts are as of the latest batch (the console's
   * usual views are shared by many), else one walk over every row (some
   * 30 ms at 100,000 rows).
   */
  private countsFor(view: string, test: (row: ServiceRow) => boolean): StatusCounts {
    for (const other of this.clients)
      if (other.view === view && other.countsBatch === this.shownBatch) return { ...other.counts };
    return countRows(this.shownRows().values(), test);
  }

  private shownRows(): Map<string, ServiceRow> {
    if (this.shown === null) {
      const shown = new Map<string, ServiceRow>();
      for (const row of this.deps.rows.all())
        shown.set(`${row.store}/${row.workstation}/${row.function}`, row);
      this.shown = shown;
    }
    return this.shown;
  }

  private drop(client: Client): void {
    if (client.closed) return;
    client.closed = true;
    this.clients.delete(client);
    // No stream left: forget the rows as shown (a later stream takes them afresh).
    if (this.clients.size === 0) {
      this.shown = null;
      this.shownBatch += 1;
      this.pending.clear();
    }
  }

  private onChanged(keys: readonly string[]): void {
    if (this.clients.size === 0 || this.stopped) return;
    for (const key of keys) this.pending.add(key);
    this.schedule();
  }

  private schedule(): void {
    if (this.timer !== null || this.flushing || this.pending.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush()
        .catch((error: Error) => this.deps.log(`live update batch failed: ${error.message}`))
        .finally(() => {
          this.flushing = false;
          this.schedule();
        });
    }, this.limits.coalesceMs);
  }

  /** Reads, builds and fans out one batch; one at a time. */
  private async flush(): Promise<void> {
    this.flushing = true;
    const keys = [...this.pending];
    this.pending.clear();
    const functions = new Set<string>();
    for (const key of keys) {
      const row = this.deps.rows.get(key);
      if (row !== undefined) functions.add(row.function);
    }
    // The one await, before anything is read: a stream opened meanwhile counts
    // over `shown` as this batch finds it, and then gets this batch's changes.
    const toPage = await this.deps.pageRows(functions);
    if (this.clients.size === 0 || this.stopped) return;
    const started = performance.now();
    const shown = this.shownRows();
    const changes: Change[] = [];
    for (const key of keys) {
      const now = this.deps.rows.get(key);
      changes.push({ key, before: shown.get(key), now });
      if (now === undefined) shown.delete(key);
      else shown.set(key, now);
    }
    this.shownBatch += 1;
    const batch = this.shownBatch;
    const json = new Map<string, string>();
    const rowJson = (change: Change & { now: ServiceRow }) => {
      let text = json.get(change.key);
      if (text === undefined) {
        text = JSON.stringify(toPage(change.now));
        json.set(change.key, text);
      }
      return text;
    };
    // In slices, yielding between them: 1,000 changed rows to 64 streams is tens of ms.
    // Streams opened meanwhile counted over `shown` with this batch in it: not theirs.
    let busy = 0;
    let longest = 0;
    let slice = started;
    const views = new Map<string, ViewBatch>();
    for (const client of [...this.clients]) {
      if (client.closed) continue;
      let made = views.get(client.view);
      if (made === undefined) {
        made = this.viewBatch(client, changes, rowJson);
        views.set(client.view, made);
      }
      this.send(client, made, batch);
      const now = performance.now();
      if (now - slice < SLICE_MS) continue;
      busy += now - slice;
      longest = Math.max(longest, now - slice);
      await new Promise((resolve) => setImmediate(resolve));
      if (this.stopped) return;
      slice = performance.now();
    }
    const end = performance.now() - slice;
    this.stats.batches += 1;
    this.stats.lastBatchKeys = keys.length;
    this.stats.lastBatchMs = busy + end;
    this.stats.lastSliceMs = Math.max(longest, end);
  }

  /**
   * What `client`'s view makes of a batch: its counts moved by the rows that
   * entered, left or changed status in it; the changed rows in it, and the
   * keys that left it, as event text. Serialised once per view, not per stream.
   */
  private viewBatch(
    client: Client,
    changes: readonly Change[],
    rowJson: (change: Change & { now: ServiceRow }) => string,
  ): ViewBatch {
    const counts = { ...client.counts };
    const rows: (Change & { now: ServiceRow })[] = [];
    const gone: string[] = [];
    for (const change of changes) {
      const was = change.before !== undefined && client.test(change.before);
      const is = change.now !== undefined && client.test(change.now);
      if (was) counts[(change.before as ServiceRow).status] -= 1;
      if (is) {
        counts[(change.now as ServiceRow).status] += 1;
        rows.push(change as Change & { now: ServiceRow });
      } else if (was) gone.push(change.key);
    }
    if (rows.length === 0 && gone.length === 0) return { text: null, counts, resync: false };
    const countsText = event("counts", JSON.stringify(counts));
    if (rows.length + gone.length > this.limits.maxRowsPerEvent)
      return { text: `${event("resync", "{}")}${countsText}`, counts, resync: true };
    let text = "";
    if (rows.length > 0)
      text += event("rows", `{"rows":[${rows.map((change) => rowJson(change)).join(",")}]}`);
    if (gone.length > 0) text += event("gone", JSON.stringify({ keys: gone }));
    return { text: text + countsText, counts, resync: false };
  }

  /** Hands a view's batch to one of its streams: its counts, and the text unless it is blocked. */
  private send(client: Client, made: ViewBatch, batch: number): void {
    client.counts = { ...made.counts };
    client.countsBatch = batch;
    if (made.text === null) return;
    if (client.blocked) {
      client.missed = true;
      return;
    }
    this.write(client, made.text);
  }

  /**
   * Writes unless the stream is blocked. A write the socket cannot take at
   * once blocks the stream until 'drain' (its buffer holds at most that one
   * write); batches meanwhile only adjust its counts, and if any was dropped
   * the stream gets one `resync` and its counts on 'drain'.
   */
  private write(client: Client, text: string): void {
    if (client.closed || client.blocked) return;
    if (client.res.write(text)) return;
    client.blocked = true;
    client.res.once("drain", () => {
      client.blocked = false;
      if (!client.missed) return;
      client.missed = false;
      this.write(
        client,
        `${event("resync", "{}")}${event("counts", JSON.stringify(client.counts))}`,
      );
    });
  }

  /** The heartbeat: ends the streams whose session is over, pings the others. */
  private ping(): void {
    for (const client of [...this.clients]) {
      const reason = client.ended();
      if (reason !== null) {
        // Written even when blocked: the stream ends here, the buffer with it.
        client.res.end(event("ended", JSON.stringify({ reason })));
        this.drop(client);
        continue;
      }
      this.write(client, ": ping\n\n");
    }
  }
}
