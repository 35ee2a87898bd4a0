import { join } from "node:path";
import { DurableJsonFile } from "@tillroll/agent";
import { FleetTable } from "./fleet-table.js";
import { type ServiceRow, validateRows } from "./service-row.js";

/** How long row changes are gathered before one durable write. */
const COALESCE_MS = 200;

/** Rows serialised per slice; between slices the event loop serves MQTT and HTTP. */
const ROWS_PER_SLICE = 2000;

/**
 * The envelope `{"schemaVersion":1,"data":[...]}` in slices, yielding to the
 * event loop between them: one JSON.stringify of 100,000 rows would stall
 * status ingestion and the console for hundreds of milliseconds.
 */
async function* serializeRows(
  schemaVersion: number,
  rows: readonly ServiceRow[],
): AsyncIterable<string> {
  yield `{"schemaVersion":${schemaVersion},"data":[`;
  for (let start = 0; start < rows.length; start += ROWS_PER_SLICE) {
    const slice = rows.slice(start, start + ROWS_PER_SLICE).map((row) => JSON.stringify(row));
    yield `${start === 0 ? "" : ","}${slice.join(",")}`;
    await new Promise((resolve) => setImmediate(resolve));
  }
  yield "]}\n";
}

/**
 * The fleet table on disk (`DIR/fleet.json`), written crash-safely and
 * coalesced: a burst of status reports becomes one write. A report not yet
 * written when the coordinator dies is not lost: agents publish their whole
 * status again when they reconnect (and an external broker keeps it retained).
 */
export class FleetStore {
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  /** How long the last write took: under load, writes space out so disk time stays a small share. */
  private lastWriteMs = 0;

  private constructor(
    readonly table: FleetTable,
    private readonly file: DurableJsonFile<ServiceRow[]>,
    private readonly log: (message: string) => void,
  ) {}

  static async open(dir: string, log: (message: string) => void): Promise<FleetStore> {
    const file = new DurableJsonFile<ServiceRow[]>({
      path: join(dir, "fleet.json"),
      schemaVersion: 1,
      validate: (raw) => {
        const rows = validateRows(raw);
        if (!rows.ok) throw new Error(rows.error);
        return rows.value;
      },
      log,
      serialize: serializeRows,
      // Every row was validated when it was made (from a checked status
      // document or operator action); read() validates the whole file again.
      verifyOnWrite: false,
    });
    const rows = (await file.read()) ?? [];
    return new FleetStore(FleetTable.fromRows(rows), file, log);
  }

  upsert(rows: Iterable<ServiceRow>): void {
    for (const row of rows) this.table.upsert(row);
    this.schedule();
  }

  private schedule(): void {
    if (this.timer !== null) return;
    // At least COALESCE_MS, and four times the last write's duration (at most
    // 5 s): a 100,000-row table takes a while to write, and rewriting it back
    // to back during a status storm would spend the machine on disk writes.
    const delay = Math.min(5000, Math.max(COALESCE_MS, this.lastWriteMs * 4));
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, delay);
  }

  /** Writes now (and waits): after operator actions and at shutdown. */
  flush(): Promise<void> {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const rows = this.table.all();
    this.writing = this.writing
      .then(async () => {
        const started = performance.now();
        await this.file.write(rows);
        this.lastWriteMs = performance.now() - started;
      })
      .catch((error: Error) => this.log(`fleet store write failed: ${error.message}`));
    return this.writing;
  }
}
