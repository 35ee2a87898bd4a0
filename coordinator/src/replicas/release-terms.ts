import type { ServiceRow } from "../fleet/service-row.js";
import type { ReleaseRunner } from "../releases/release-runner.js";

/**
 * Issue 14 (replicas): one release runner per leadership term. A runner that
 * closed cannot start again, so a replica that lost the lease and leads again
 * later starts a fresh one (made by the wiring's factory), which loads every
 * release from the store as a restarted coordinator would. The first term uses
 * the runner made at start (the JSON store's one term: no change there).
 */
export class ReleaseTerms {
  private runner: ReleaseRunner;
  private used = false;
  private active = false;

  constructor(private readonly make: () => ReleaseRunner) {
    this.runner = make();
  }

  /** The runner of the term under way; else the last one (never started, or closed): for reads. */
  get current(): ReleaseRunner {
    return this.runner;
  }

  /** A term is under way: release commands are carried out here. */
  get leading(): boolean {
    return this.active;
  }

  /** Starts a term on a runner that never ran (the first, or a fresh one). */
  async begin(): Promise<void> {
    if (this.used) this.runner = this.make();
    this.used = true;
    this.active = true;
    await this.runner.start();
  }

  /** Ends the term: nothing is planned or sent from here on. */
  async end(): Promise<void> {
    this.active = false;
    await this.runner.close();
  }

  /** Status reports reach the runner of the term under way only. */
  onRows(rows: readonly ServiceRow[]): void {
    if (this.active) this.runner.onRows(rows);
  }
}
