// task.planned is lossless (issue 11, transactional outbox): the release record is created
// carrying `noticesPending: ["task.planned"]`, the notice is published, then the marker is
// cleared; a stop in between (a publisher that fails once, or no publish at all, as a
// kill -9 right after the save) is made good at the next start. Real files throughout: the
// release store and the notices outbox share the data folder, reopened as after a restart.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { NoticePublisher } from "../../src/notices/notice-model.js";
import { NoticeService } from "../../src/notices/notice-service.js";
import { newRelease } from "../../src/releases/new-release.js";
import type { ReleaseSpec } from "../../src/releases/release-model.js";
import { JsonOutbox } from "../../src/store/json/json-outbox.js";
import { JsonWebhooks } from "../../src/store/json/json-webhooks.js";
import { type Harness, makeHarness, spec, T0 } from "./runner-harness.js";

const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

/** The coordinator's notices over the data folder (outbox in DATA/notices/), not delivering. */
async function openOutbox(t: Harness): Promise<{ service: NoticeService; outbox: JsonOutbox }> {
  const log = (line: string) => t.logs.push(line);
  const now = () => t.clock.now;
  const outbox = await JsonOutbox.open({ dataDir: t.dir, now, log });
  const service = new NoticeService({
    outbox,
    webhooks: await JsonWebhooks.open(t.dir),
    mail: null,
    operators: () => [],
    storeContact: () => null,
    zonesOf: () => [],
    audit: null,
    now,
    log,
  });
  return { service, outbox };
}

/** A publisher that refuses its first `failures` calls (a full disk, a kill), then passes on. */
function failing(inner: NoticePublisher, failures = 1): NoticePublisher {
  let left = failures;
  return {
    async publish(notices) {
      if (left > 0) {
        left -= 1;
        throw new Error("outbox: no space left on device");
      }
      await inner.publish(notices);
    },
  };
}

/** Stops the runner and store as kill -9 would (files stay), then opens both again with `notices`. */
async function restart(t: Harness, notices: NoticePublisher): Promise<void> {
  await t.crash();
  await t.open({ extra: { notices, tickMs: 3_600_000 } });
  await t.runner.start();
}

const scheduledAt = (): ReleaseSpec =>
  spec({
    stages: [{ name: "pilot", target: { store: ["1001"] }, checkpoint: "none" }],
    schedule: { mode: "at", at: iso(T0 + 60 * MIN) },
  });

/** The release's file as written (not the store's memory). */
const fileOf = (t: Harness, id: string) =>
  JSON.parse(readFileSync(join(t.dir, "releases", `${id}.json`), "utf8")).release;

const plannedKeys = (outbox: JsonOutbox) =>
  outbox
    .list()
    .map((n) => n.key)
    .filter((key) => key.endsWith("task.planned"));

describe("task.planned: marker written with the release, cleared after the publish", () => {
  it("the publish succeeds: one notice, the file left without the marker", async () => {
    const t = await makeHarness();
    h = t;
    const { service, outbox } = await openOutbox(t);
    await restart(t, service);
    const release = await t.store.releases.create((id) =>
      newRelease(id, scheduledAt(), "anna", T0),
    );
    expect(fileOf(t, release.id).noticesPending).toEqual(["task.planned"]);
    expect(await t.runner.created(release)).toEqual([]);
    expect(plannedKeys(outbox)).toEqual(["rel1-task.planned"]);
    expect(fileOf(t, release.id)).not.toHaveProperty("noticesPending");
    expect(await t.store.releases.get("1")).not.toHaveProperty("noticesPending");
  });

  it("a publisher that fails once: the task stands (warned), the marker stays; after a restart exactly one notice", async () => {
    const t = await makeHarness();
    h = t;
    const first = await openOutbox(t);
    await restart(t, failing(first.service));
    const release = await t.store.releases.create((id) =>
      newRelease(id, scheduledAt(), "anna", T0),
    );
    const warnings = await t.runner.created(release);
    expect(warnings).toEqual([
      "task.planned notice not published yet (outbox: no space left on device): it is published when the coordinator starts next",
    ]);
    expect(first.outbox.list()).toEqual([]);
    expect(fileOf(t, "1").noticesPending).toEqual(["task.planned"]);
    expect((await t.store.releases.get("1"))?.state).toBe("Scheduled");

    const second = await openOutbox(t);
    await restart(t, second.service);
    expect(plannedKeys(second.outbox)).toEqual(["rel1-task.planned"]);
    expect(second.outbox.list()[0]?.data).toMatchObject({
      task: { id: "1", mode: "at", at: iso(T0 + 60 * MIN), stores: ["1001", "1002", "1003"] },
    });
    expect(fileOf(t, "1")).not.toHaveProperty("noticesPending");
    expect(t.logs).toContain(
      "release 1: task.planned published again (the coordinator stopped before it was)",
    );

    // A third start finds nothing owed: still exactly one.
    const third = await openOutbox(t);
    await restart(t, third.service);
    expect(plannedKeys(third.outbox)).toEqual(["rel1-task.planned"]);
  });

  it("killed between the save and the publish (created never ran): published at the next start, before anything else", async () => {
    const t = await makeHarness();
    h = t;
    await t.store.releases.create((id) =>
      newRelease(id, { ...scheduledAt(), schedule: { mode: "immediately" } }, "anna", T0),
    );
    const { service, outbox } = await openOutbox(t);
    await restart(t, service);
    // The task.planned first, then what starting the task (due: immediately) published.
    const keys = outbox.list().map((n) => n.key);
    expect(keys[0]).toBe("rel1-task.planned");
    expect(keys.filter((key) => key === "rel1-task.planned")).toHaveLength(1);
    expect(keys.slice(1).every((key) => key.includes("release."))).toBe(true);
    expect((await t.store.releases.get("1"))?.state).toBe("Running");
    expect(fileOf(t, "1")).not.toHaveProperty("noticesPending");
  });

  it("killed after the publish, before the marker was cleared: the re-publish is dropped by key", async () => {
    const t = await makeHarness();
    h = t;
    const first = await openOutbox(t);
    // The save that would clear the marker never lands (the process is gone).
    await restart(t, first.service);
    const release = await t.store.releases.create((id) =>
      newRelease(id, scheduledAt(), "anna", T0),
    );
    const save = t.store.releases.save.bind(t.store.releases);
    t.store.releases.save = async () => {
      throw new Error("killed");
    };
    await t.runner.created(release);
    t.store.releases.save = save;
    expect(fileOf(t, "1").noticesPending).toEqual(["task.planned"]);
    expect(
      t.logs.some((l) => l.includes("task.planned is in the outbox, its marker not cleared")),
    ).toBe(true);

    const second = await openOutbox(t);
    await restart(t, second.service);
    expect(plannedKeys(second.outbox)).toEqual(["rel1-task.planned"]);
    expect(second.outbox.list()).toHaveLength(1);
    expect(fileOf(t, "1")).not.toHaveProperty("noticesPending");
  });

  it("a publisher that keeps failing at start: logged, the marker kept for the next start, the start goes on", async () => {
    const t = await makeHarness();
    h = t;
    await t.store.releases.create((id) => newRelease(id, scheduledAt(), "anna", T0));
    const { service, outbox } = await openOutbox(t);
    await restart(t, failing(service, 1));
    expect(outbox.list()).toEqual([]);
    expect(fileOf(t, "1").noticesPending).toEqual(["task.planned"]);
    expect(t.logs).toContain(
      "release 1: task.planned still pending (outbox: no space left on device); tried again at the next start",
    );
    expect((await t.store.releases.get("1"))?.state).toBe("Scheduled");
  });
});
