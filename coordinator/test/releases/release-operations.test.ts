// The console's release tasks: scope, four eyes, refusal codes, newest first, audit entries.
// The stand-in planner decides here (the real one has its own tests and runner-planner.test.ts).

import { afterEach, describe, expect, it } from "vitest";
import type { Operator } from "../../src/accounts/identity.js";
import { ReleaseOperations } from "../../src/operations/release-operations.js";
import { type Harness, makeHarness, spec } from "./runner-harness.js";
import { standInPlanner } from "./stand-in-planner.js";

const ANNA: Operator = { name: "anna", role: "operator", scope: null };
const BERT: Operator = { name: "bert", role: "approver", scope: null };
const CARL: Operator = { name: "carl", role: "approver", scope: "DE/North" };
const VIEW: Operator = { name: "vera", role: "viewer", scope: null };

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

async function setUp() {
  const t = await makeHarness();
  h = t;
  await t.crash();
  await t.open({ planner: standInPlanner });
  await t.runner.start();
  const ops = new ReleaseOperations({
    releases: t.store.releases,
    runner: t.runner,
    audit: t.store.audit,
    now: () => t.clock.now,
  });
  return { t, ops };
}

describe("release operations", () => {
  it("create stores a Ready release, audited; list is newest first; show answers the view", async () => {
    const { t, ops } = await setUp();
    const first = await ops.create(spec(), ANNA);
    const second = await ops.create(spec({ name: "second" }), ANNA);
    expect(first.ok && [first.value.id, first.value.state]).toEqual(["1", "Ready"]);
    expect(second.ok && second.value.id).toBe("2");
    const listed = await ops.list(VIEW);
    expect(listed.ok && listed.value.map((r) => [r.id, r.name])).toEqual([
      ["2", "second"],
      ["1", spec().name],
    ]);
    const shown = await ops.show("1", VIEW);
    expect(shown.ok && shown.value.stages.map((s) => s.state)).toEqual(["Pending", "Pending"]);
    const audit = await t.store.audit.list();
    expect(audit.map((e) => [e.action, e.details])).toEqual([
      ["release create", { id: "1", name: spec().name }],
      ["release create", { id: "2", name: "second" }],
    ]);
    expect(audit[0]?.who).toMatchObject({ name: "anna" });
  });

  it("create with an outbox that refuses task.planned: created and audited, warned; the notice stays owed", async () => {
    const t = await makeHarness();
    h = t;
    await t.crash();
    await t.open({
      planner: standInPlanner,
      extra: {
        notices: {
          publish: async () => {
            throw new Error("outbox: no space left on device");
          },
        },
      },
    });
    await t.runner.start();
    const ops = new ReleaseOperations({
      releases: t.store.releases,
      runner: t.runner,
      audit: t.store.audit,
      now: () => t.clock.now,
    });
    const created = await ops.create(spec(), ANNA);
    expect(created).toMatchObject({
      ok: true,
      value: {
        id: "1",
        state: "Ready",
        warnings: [
          "task.planned notice not published yet (outbox: no space left on device): it is published when the coordinator starts next",
        ],
      },
    });
    expect((await t.store.releases.get("1"))?.noticesPending).toEqual(["task.planned"]);
    expect((await t.store.audit.list()).map((e) => e.action)).toEqual(["release create"]);
  });

  it("refusals carry their codes: not-found, conflict, forbidden (four eyes), invalid", async () => {
    const { t, ops } = await setUp();
    await ops.create(spec(), ANNA);
    expect(await ops.show("7", VIEW)).toEqual({
      ok: false,
      code: "not-found",
      error: "no release task 7",
    });
    expect(await ops.operate("7", { kind: "start" }, ANNA)).toMatchObject({ code: "not-found" });
    expect((await ops.operate("1", { kind: "start" }, ANNA)).ok).toBe(true);
    const again = await ops.operate("1", { kind: "start" }, ANNA);
    expect(again).toMatchObject({ ok: false, code: "conflict" });
    expect(!again.ok && again.error).toMatch(/^the release task is Running/);

    for (const key of ["1001/01/pos-client", "1001/02/pos-client"])
      await t.report(key, "OK", "1.1.0");
    await t.settle();
    const own = await ops.operate("1", { kind: "approve", comment: "fine" }, ANNA);
    expect(own).toMatchObject({ ok: false, code: "forbidden" });
    expect(!own.ok && own.error).toMatch(/approve needs the approver role/);
    const creator = await ops.operate(
      "1",
      { kind: "approve", comment: "fine" },
      {
        ...BERT,
        name: "anna",
      },
    );
    expect(creator).toMatchObject({ ok: false, code: "forbidden" });
    expect(!creator.ok && creator.error).toMatch(/four eyes/);
    expect(await ops.operate("1", { kind: "approve", comment: "  " }, BERT)).toMatchObject({
      ok: false,
      code: "invalid",
    });
    const approved = await ops.operate("1", { kind: "approve", comment: "pilot fine" }, BERT);
    expect(approved.ok && approved.value.stages.map((s) => s.state)).toEqual([
      "Successful",
      "Running",
    ]);
    const audit = await t.store.audit.list();
    expect(audit.map((e) => [e.action, e.details])).toEqual([
      ["release create", { id: "1", name: spec().name }],
      ["release start", { id: "1", name: spec().name }],
      ["release approve", { id: "1", name: spec().name, comment: "pilot fine" }],
    ]);
    // The rows each operation sent are its touched rows.
    expect(audit[1]?.touched).toEqual(["1001/01/pos-client", "1001/02/pos-client"]);
    expect(audit[2]?.touched).toHaveLength(4);
  });

  it("a scoped operator reaches only releases whose groups lie inside its scope", async () => {
    const { ops } = await setUp();
    const fleetWide = await ops.create(spec({ target: {} }), CARL);
    expect(fleetWide).toMatchObject({ ok: false, code: "forbidden" });
    expect(!fleetWide.ok && fleetWide.error).toMatch(/whole fleet/);
    const wider = await ops.create(spec({ target: { group: ["DE/North", "DE"] } }), CARL);
    expect(wider).toMatchObject({ ok: false, code: "forbidden" });
    expect(!wider.ok && wider.error).toMatch(/target\.group DE lies outside your scope DE\/North/);
    const inside = await ops.create(spec({ target: { group: ["DE/North/Hamburg"] } }), CARL);
    expect(inside.ok && inside.value.id).toBe("1");
    await ops.create(spec({ name: "all of DE" }), ANNA);
    const listed = await ops.list(CARL);
    expect(listed.ok && listed.value.map((r) => r.id)).toEqual(["1"]);
    expect(await ops.show("2", CARL)).toMatchObject({ ok: false, code: "forbidden" });
    expect(await ops.operate("2", { kind: "start" }, CARL)).toMatchObject({
      ok: false,
      code: "forbidden",
    });
  });
});
