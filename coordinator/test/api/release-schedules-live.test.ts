// Issue 11's release fields on a live coordinator (the real ReleaseOperations, runner, schedules
// and store): schedule immediately starts at once, at is Scheduled and a past at is refused
// naming the field, a forced task is cancelled only by the platform admin (403 naming the
// rule), a platform blackout refuses a task starting inside it and cancels a Scheduled one.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IssuedOperator } from "../../src/accounts/operators.js";
import { type Answer, LiveCoordinator } from "./live-coordinator.js";

const DOCUMENT = {
  name: "spring",
  function: "pos-client",
  // The live coordinator's till runs 1.2.0: the same version is no downgrade.
  version: "1.2.0",
  stages: [{ name: "all" }],
};
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe("issue 11 release fields on a live coordinator", { timeout: 60_000 }, () => {
  let live: LiveCoordinator;
  let olga = "";

  async function call(token: string, method: string, path: string, body: unknown): Promise<Answer> {
    const response = await fetch(`${live.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: JSON.parse(text), text };
  }
  const create = (doc: object, token = olga) =>
    call(token, "POST", "/api/releases", { ...DOCUMENT, ...doc });
  const body = (answer: Answer) => answer.body as Record<string, unknown> & { error?: string };

  beforeAll(async () => {
    live = await LiveCoordinator.start("release-schedules-live");
    const added = await live.call("POST", "/api/operators", { name: "olga", role: "operator" });
    expect(added.status, added.text).toBe(201);
    olga = (added.body as IssuedOperator).token;
  }, 60_000);
  afterAll(async () => {
    await live?.close();
  });

  it("schedule immediately: the create answer shows it Running, started by the runner", async () => {
    const created = await create({ schedule: { mode: "immediately" } });
    expect(created.status, created.text).toBe(201);
    expect(body(created)).toMatchObject({
      state: "Running",
      history: expect.arrayContaining([
        expect.objectContaining({ from: "Ready", to: "Running", reason: "schedule: immediately" }),
      ]),
    });
  });

  it("downgrade: refused without allowDowngrade (409), created with the warning with it", async () => {
    const refused = await create({ version: "1.1.0" });
    expect(refused.status).toBe(409);
    expect(body(refused).error).toBe(
      'version 1.1.0 is older than the active 1.2.0 on 1 row: compatibility with older versions is not guaranteed; create it with --allow-downgrade (API "allowDowngrade": true)',
    );
    const created = await create({ version: "1.1.0", allowDowngrade: true });
    expect(created.status, created.text).toBe(201);
    expect(body(created)).toMatchObject({
      state: "Ready",
      warnings: [
        "compatibility with older versions is not guaranteed: 1 row goes back from 1.2.0 to 1.1.0",
      ],
    });
  });

  it("schedule at: Scheduled; in the past refused naming schedule.at (400)", async () => {
    const at = iso(Date.now() + 24 * HOUR);
    const created = await create({ schedule: { mode: "at", at } });
    expect(created.status, created.text).toBe(201);
    expect(body(created)).toMatchObject({
      state: "Scheduled",
      spec: { schedule: { mode: "at", at } },
    });
    // The status overview marks the row the task will take, with its start.
    const status = await fetch(`${live.url}/api/status`, {
      headers: { authorization: `Bearer ${olga}` },
    });
    const rows = (await status.json()) as { function: string; scheduled?: unknown }[];
    expect(rows.find((row) => row.function === "pos-client")?.scheduled).toEqual({
      release: body(created).id,
      name: "spring",
      at: new Date(Date.parse(at)).toISOString(),
    });
    const past = await create({ schedule: { mode: "at", at: "2020-01-01T00:00:00Z" } });
    expect(past.status).toBe(400);
    expect(body(past).error).toBe("schedule.at: 2020-01-01T00:00:00Z is in the past");
  });

  it("forced: an operator's cancel is refused naming the rule (403); the platform admin cancels it", async () => {
    const created = await create({
      forced: true,
      schedule: { mode: "at", at: iso(Date.now() + HOUR) },
    });
    const id = body(created).id as string;
    const refused = await call(olga, "POST", "/api/releases/cancel", { id });
    expect(refused.status).toBe(403);
    expect(body(refused).error).toBe(
      `release ${id} is forced: only the platform admin may cancel it`,
    );
    const cancelled = await call(live.token, "POST", "/api/releases/cancel", { id });
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(body(cancelled).state).toBe("Cancelled");
  });

  it("a platform blackout cancels a Scheduled task inside it and refuses one starting in it", async () => {
    const start = Date.now() + 48 * HOUR;
    const scheduled = await create({ schedule: { mode: "at", at: iso(start + HOUR) } });
    const id = body(scheduled).id as string;
    const added = await call(live.token, "POST", "/api/blackouts", {
      from: iso(start),
      to: iso(start + 10 * HOUR),
      reason: "Christmas freeze",
    });
    expect(added.status, added.text).toBe(201);
    expect(JSON.stringify(added.body)).toContain(`"id":"${id}"`);
    const shown = await fetch(`${live.url}/api/releases/show?id=${id}`, {
      headers: { authorization: `Bearer ${olga}` },
    });
    expect(((await shown.json()) as { state: string }).state).toBe("Cancelled");
    const refused = await create({ schedule: { mode: "at", at: iso(start + 2 * HOUR) } });
    expect(refused.status).toBe(409);
    expect(body(refused).error).toMatch(
      /^refused: blackout \d+ \(Christmas freeze, .* to .*\) covers the start$/,
    );
  });
});
