import type { SessionRelease } from "@tillroll/protocol";
import { describe, expect, it } from "vitest";
import type { Role } from "../../src/accounts/roles.js";
import type { ServiceRow } from "../../src/fleet/service-row.js";
import {
  type PosSessionReleaseDeps,
  releasePosSession,
} from "../../src/operations/pos-session-release.js";
import type { ReleaseRecord } from "../../src/releases/release-model.js";
import { op } from "../accounts/helpers.js";
import { makeRow } from "../fleet/fixtures.js";

const STALE = "POS session stale since 10:42 (user alice logged in)";

function row(reason: string | null, requestId: string | null): ServiceRow {
  return makeRow({
    preferredVersion: "1.1.0",
    status: "Not Ready",
    reason,
    requestId,
    updatedAt: "2026-11-30T10:45:00.000Z",
  });
}

/** A forced (or not) release task 7 whose member is the row with request `rel7-0-0-1`. */
function task(forced: boolean): ReleaseRecord {
  return {
    id: "7",
    spec: { forced },
    stages: [{ members: [{ key: "1001/01/pos-client", requestId: "rel7-0-0-1" }] }],
  } as unknown as ReleaseRecord;
}

interface World {
  reason?: string | null;
  requestId?: string | null;
  forced?: boolean;
  capabilities?: string[] | null;
  sessionSeq?: number | null;
}

function deps(world: World) {
  const sent: number[] = [];
  const audit: { action: string; details: Record<string, unknown> }[] = [];
  let fields: { sessionRelease?: SessionRelease | null } = {};
  const d = {
    workstations: {
      get: async (ref: { store: string; workstation: string }) =>
        ref.workstation === "01"
          ? { store: "1001", workstation: "01", group: "DE/North" }
          : undefined,
    },
    fleet: {
      query: async () => [
        row("reason" in world ? (world.reason ?? null) : STALE, world.requestId ?? null),
      ],
    },
    desiredState: {
      fieldsOf: async () => fields,
      setFields: async (_ref: unknown, next: typeof fields) => {
        fields = { ...fields, ...next };
        return 500;
      },
    },
    desired: { send: async (_refs: unknown, seq: number) => void sent.push(seq) },
    audit: { append: async (entry: (typeof audit)[number]) => void audit.push(entry) },
    now: () => Date.parse("2026-11-30T11:00:00.000Z"),
    release: async (id: string) => (id === "7" ? task(world.forced ?? false) : undefined),
    capabilitiesOf: () =>
      world.capabilities === undefined ? ["session-release"] : world.capabilities,
    sessionSeqOf: async () => (world.sessionSeq === undefined ? 1234 : world.sessionSeq),
  } as unknown as PosSessionReleaseDeps;
  return { d, sent, audit, fields: () => fields };
}

const request = { store: "1001", workstation: "01", reason: "POS crashed", force: false };

describe("releasePosSession: who, when, and what it stores", () => {
  const refusals: [string, Role, World, boolean, string, RegExp][] = [
    [
      "an operator without a forced task",
      "operator",
      {},
      false,
      "forbidden",
      /needs the admin role/,
    ],
    [
      "an operator whose row runs a request of a task that is not forced",
      "operator",
      { requestId: "rel7-0-0-1", forced: false },
      false,
      "forbidden",
      /needs the admin role/,
    ],
    [
      "not reported stale",
      "admin",
      { reason: "user alice logged in on till 01" },
      false,
      "invalid",
      /not reported stale.*--force/,
    ],
    [
      "an agent without the capability",
      "admin",
      { capabilities: ["window"] },
      false,
      "invalid",
      /does not understand/,
    ],
    [
      "an agent that never said",
      "admin",
      { capabilities: null },
      false,
      "invalid",
      /does not understand/,
    ],
    [
      "no retained session",
      "admin",
      { sessionSeq: null },
      false,
      "invalid",
      /no POS session document/,
    ],
  ];
  it.each(refusals)("refused: %s", async (_name, role, world, force, code, message) => {
    const { d, sent, audit, fields } = deps(world);
    const result = await releasePosSession(d, { ...request, force }, op(role));
    expect(result).toMatchObject({ ok: false, code });
    expect(result.ok ? "" : result.error).toMatch(message);
    expect([sent, audit, fields()]).toEqual([[], [], {}]);
  });

  it("refused: a workstation outside the caller's scope, or not enrolled", async () => {
    const { d } = deps({});
    expect(await releasePosSession(d, request, op("admin", "FR"))).toMatchObject({
      ok: false,
      code: "forbidden",
    });
    expect(
      await releasePosSession(d, { ...request, workstation: "99" }, op("admin")),
    ).toMatchObject({ ok: false, code: "not-found" });
  });

  it("an admin: stored, published with the retained session's seq, audited with from/to", async () => {
    const { d, sent, audit, fields } = deps({});
    const result = await releasePosSession(d, request, op("admin", null, "ada"));
    const release = { sessionSeq: 1234, by: "ada", at: "2026-11-30T11:00:00.000Z" };
    expect(result).toEqual({
      ok: true,
      value: {
        store: "1001",
        workstation: "01",
        release,
        staleRows: [`1001/01/pos-client: ${STALE}`],
      },
    });
    expect(fields()).toEqual({ sessionRelease: release });
    expect(sent).toEqual([500]);
    expect(audit).toEqual([
      expect.objectContaining({
        action: "pos-session release",
        details: expect.objectContaining({ reason: "POS crashed", from: null, to: release }),
      }),
    ]);
  });

  it("an operator whose row runs a forced task's request may", async () => {
    const { d } = deps({ requestId: "rel7-0-0-1", forced: true });
    expect(await releasePosSession(d, request, op("operator"))).toMatchObject({ ok: true });
  });

  it("--force releases a session no reason says is stale", async () => {
    const { d } = deps({ reason: null });
    expect(await releasePosSession(d, { ...request, force: true }, op("admin"))).toMatchObject({
      ok: true,
      value: { staleRows: [] },
    });
  });
});
