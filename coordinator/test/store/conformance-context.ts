// What the store contracts' tests are given: the harness an implementation provides, and
// the store as last (re)opened.

import type { CoordinatorStore } from "../../src/store/index.js";

/** What the suite needs of an implementation. */
export interface StoreHarness {
  /** Opens the store on the same place every time: a reopen shows what was made durable. */
  open(): Promise<CoordinatorStore>;
  /**
   * Makes the store's writes fail (a full disk, a refused transaction) until the returned
   * function is called. Null when it cannot be done here: those tests are skipped.
   */
  failWrites: (() => Promise<() => Promise<void>>) | null;
  /** Why failWrites is null. */
  whyNoFaults?: string;
  /** A valid pack archive for `name` `version`; another `marker` gives other bytes. */
  buildPack(name: string, version: string, marker?: string): Promise<string>;
  /** Removes everything the harness made; the store is closed by then. */
  cleanup(): Promise<void>;
}

/** What each contract's tests see: the store as last (re)opened, and the harness's faults. */
export interface StoreContext {
  readonly store: CoordinatorStore;
  readonly harness: StoreHarness;
  /** Closes the store and opens it again on the same place. */
  reopen(): Promise<CoordinatorStore>;
  /** Runs `body` while writes fail; skips the test where faults cannot be injected. */
  whileFailing(ctx: { skip: (note?: string) => void }, body: () => Promise<void>): Promise<void>;
}
