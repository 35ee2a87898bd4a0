// The contract every CoordinatorStore implementation keeps, as tests: run it with
// describeStoreConformance(name, makeHarness) against each implementation.

import { afterEach, beforeEach, describe } from "vitest";
import type { CoordinatorStore } from "../../src/store/index.js";
import type { StoreContext, StoreHarness } from "./conformance-context.js";
import { auditAndPackContract } from "./contract-audit-packs.js";
import { desiredContract } from "./contract-desired.js";
import { fleetContract } from "./contract-fleet.js";
import { mirrorContract } from "./contract-mirrors.js";
import { noticesAndOperatorsContract } from "./contract-notices-operators.js";
import { releaseContract } from "./contract-releases.js";
import { scheduleContract } from "./contract-schedules.js";
import { workstationContract } from "./contract-workstations.js";

export type { StoreContext, StoreHarness } from "./conformance-context.js";

export function describeStoreConformance(
  name: string,
  makeHarness: () => Promise<StoreHarness>,
): void {
  describe(`store conformance: ${name}`, () => {
    let harness: StoreHarness;
    let store: CoordinatorStore;

    beforeEach(async () => {
      harness = await makeHarness();
      store = await harness.open();
    });
    afterEach(async () => {
      await store.close();
      await harness.cleanup();
    });

    async function reopen(): Promise<CoordinatorStore> {
      await store.close();
      store = await harness.open();
      return store;
    }

    /** Runs `body` while writes fail; skips the test where faults cannot be injected. */
    async function whileFailing(
      ctx: { skip: (note?: string) => void },
      body: () => Promise<void>,
    ): Promise<void> {
      if (harness.failWrites === null) {
        ctx.skip(harness.whyNoFaults ?? "cannot inject write faults here");
        return;
      }
      const restore = await harness.failWrites();
      try {
        await body();
      } finally {
        await restore();
      }
    }

    const context: StoreContext = {
      get store() {
        return store;
      },
      get harness() {
        return harness;
      },
      reopen,
      whileFailing,
    };
    workstationContract(() => context);
    desiredContract(() => context);
    fleetContract(() => context);
    auditAndPackContract(() => context);
    releaseContract(() => context);
    scheduleContract(() => context);
    mirrorContract(() => context);
    noticesAndOperatorsContract(() => context);
  });
}
