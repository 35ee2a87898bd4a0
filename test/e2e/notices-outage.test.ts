import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pollUntil } from "../support/wait.js";
import { callApi } from "./console-calls.js";
import { daysAhead, isoAt, plusDays } from "./future-dates.js";
import { deliveryLabel, WebhookReceiver } from "./notice-receivers.js";
import { WindowFleet } from "./window-fleet.js";

/**
 * Issue 11, acceptance 5 at its full length: a webhook receiver down for 10
 * minutes, then up, gets every event once, in order, each signature
 * verified. The coordinator runs in this process on a TestClock whose
 * virtual sleep is the notices' retry wait, so the 10 minutes are the
 * coordinator's minutes (its backoff reaches the 60 s cap) and pass in a few
 * real seconds. The receiver is real (node:http on loopback): first it
 * refuses connections, then it answers 503, then it accepts.
 */

const SECRET = "e2e-outage-secret";
const OUTAGE_MS = 10 * 60_000;
/** Real time each virtual retry wait yields: about 15 waits in the outage. */
const YIELD_MS = 150;
/** Virtual time between two producers during the outage. */
const PRODUCER_EVERY_MS = 75_000;
/** The real-time bound of the outage phase (a hung loop fails instead of running on). */
const OUTAGE_REAL_LIMIT_MS = 20_000;
/**
 * The coordinator's clock starts on a Monday a month ahead (it was 2027-01-11:
 * a fixed date breaks the test once it has passed, as a TestClock cannot go
 * back); tasks are planned 10-12 days later, blackouts 21-23 days later.
 */
const START = daysAhead(30, { weekday: 1 });
const RETRY_LINE = /^webhook \d+: delivery \S+ failed \((.+)\); retry in (.+)$/;

describe("notices: a webhook receiver down 10 virtual minutes", { timeout: 90_000 }, () => {
  let fleet: WindowFleet;
  let hooks: WebhookReceiver;
  let blackoutDay = 0;
  let taskDay = 0;

  beforeAll(async () => {
    hooks = await WebhookReceiver.start(SECRET);
    fleet = await WindowFleet.create("notices-outage", {
      at: isoAt(START, "09:00"),
      packs: [
        { name: "pos-client", version: "1.0.0" },
        { name: "pos-client", version: "1.1.0" },
      ],
      tills: { "1001/01": "DE" },
      installed: "1.0.0",
      virtualRetries: { realMs: YIELD_MS },
    });
    await fleet.must("webhook", "add", hooks.url, "--secret", SECRET, "--json");
  }, 60_000);
  afterAll(async () => {
    await fleet?.close();
    await hooks?.close();
  });

  /** One API call as the platform admin; throws unless `status`. */
  async function api(path: string, body: unknown, status: number): Promise<unknown> {
    const answer = await callApi(fleet.coordinator.httpUrl, fleet.token, "POST", path, body);
    if (answer.status !== status)
      throw new Error(`POST ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  /** A group blackout added and removed (three weeks ahead, away from every task): its two labels. */
  async function blackoutPair(): Promise<string[]> {
    blackoutDay += 1;
    const day = plusDays(START, 20 + blackoutDay);
    const added = (await api(
      "/api/blackouts",
      {
        from: isoAt(day, "00:00"),
        to: isoAt(day, "06:00"),
        reason: `inventory ${blackoutDay}`,
        group: "DE",
      },
      201,
    )) as { blackout: { id: string } };
    const id = added.blackout.id;
    await api("/api/blackouts/remove", { id }, 200);
    return [`blackout.announced !${id}`, `blackout.removed !${id}`];
  }

  /** A release task planned for a night ten days ahead and cancelled: its three labels. */
  async function taskPlannedAndCancelled(): Promise<string[]> {
    taskDay += 1;
    const created = (await api(
      "/api/releases",
      {
        name: `night update ${taskDay}`,
        function: "pos-client",
        version: "1.1.0",
        target: { store: ["1001"] },
        stages: [{ name: "all" }],
        schedule: { mode: "at", at: isoAt(plusDays(START, 9 + taskDay), "02:00") },
      },
      201,
    )) as { id: string; state: string };
    expect(created.state).toBe("Scheduled");
    await api("/api/releases/cancel", { id: created.id }, 200);
    // The cancel ends the release task too (release.ended, published before task.cancelled).
    const id = created.id;
    return [`task.planned #${id}`, `release.ended #${id}`, `task.cancelled #${id}`];
  }

  it("F: down 10 minutes by the coordinator's clock (refused, then 503), then up: every event once, in order, every signature verified, retries backing off to 60 s", async () => {
    const { clock } = fleet;
    const labels = () => hooks.deliveries.map(deliveryLabel);
    // Up: a first pair arrives, with its headers.
    const first = await blackoutPair();
    await pollUntil(() => first.every((l) => labels().includes(l)), 20_000, "the first pair", 100);
    const sample = hooks.deliveries.find((d) => deliveryLabel(d) === first[0]);
    expect(sample?.headers["x-tillroll-event"]).toBe("blackout.announced");
    expect(sample?.headers["x-tillroll-delivery"]).toBe(sample?.id);

    const before = hooks.deliveries.length;
    const logsBefore = fleet.logs.length;
    const producers = [
      blackoutPair,
      taskPlannedAndCancelled,
      blackoutPair,
      taskPlannedAndCancelled,
      blackoutPair,
      taskPlannedAndCancelled,
    ];
    const expected: string[] = [];
    await hooks.down();
    const downAt = clock.now();
    const realStart = Date.now();
    const virtual = () => clock.now() - downAt;
    // Producers run while the receiver is down, one every PRODUCER_EVERY_MS of virtual time
    // (the clock moves with the coordinator's retry waits); at half time the receiver starts
    // answering 503 instead of refusing; it stays down until 10 minutes have passed.
    let produced = 0;
    let refusing = true;
    while (virtual() < OUTAGE_MS || produced < producers.length) {
      if (Date.now() - realStart > OUTAGE_REAL_LIMIT_MS)
        throw new Error(
          `the outage phase took more than ${OUTAGE_REAL_LIMIT_MS} ms real time (virtual ${virtual()} ms, ${produced} producers)\n${await fleet.describe()}`,
        );
      if (refusing && virtual() >= OUTAGE_MS / 2) {
        await hooks.unavailable();
        refusing = false;
      }
      const producer = producers[produced];
      if (producer !== undefined && virtual() >= produced * PRODUCER_EVERY_MS) {
        expected.push(...(await producer()));
        produced += 1;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const downFor = virtual();
    const answered503 = hooks.unavailableAnswers;
    expect(hooks.deliveries.length).toBe(before); // nothing got through while down
    await hooks.up();
    const upReal = Date.now();
    await pollUntil(
      () => hooks.deliveries.length >= before + expected.length,
      20_000,
      `${expected.length} deliveries after the receiver came back`,
      50,
    );
    await new Promise((resolve) => setTimeout(resolve, 1000)); // nothing more comes (no duplicates)
    const realSeconds = (Date.now() - realStart) / 1000;

    // Every event once, in publish order, every signature verified.
    expect(hooks.deliveries.slice(before).map(deliveryLabel)).toEqual(expected);
    const ids = hooks.deliveries.map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(hooks.forged).toEqual([]);

    // The failures, as logged: refused first, then 503; waits 1 s, 2 s, 4 s, … up to the cap.
    const retries = fleet.logs
      .slice(logsBefore)
      .map((line) => RETRY_LINE.exec(line))
      .filter((m) => m !== null)
      .map((m) => ({ why: m[1] ?? "", wait: m[2] ?? "" }));
    const whys = [...new Set(retries.map((r) => r.why))];
    expect(whys).toEqual(["connection refused", "HTTP 503"]);
    expect(answered503).toBeGreaterThan(0);
    const waits = retries.map((r) => r.wait);
    expect(waits.slice(0, 7)).toEqual(["1 s", "2 s", "4 s", "8 s", "16 s", "32 s", "1 min"]);
    expect(waits.slice(6).every((w) => w === "1 min")).toBe(true);
    expect(downFor).toBeGreaterThanOrEqual(OUTAGE_MS);
    expect(fleet.logs.slice(logsBefore).some((l) => / delivered after \d+ attempts$/.test(l))).toBe(
      true,
    );
    console.log(
      `webhook outage: down ${(downFor / 60_000).toFixed(1)} virtual minutes (${retries.length} failed tries: ${retries.length - answered503} refused, ${answered503} answered 503; waits ${waits.join(", ")}); ${expected.length} events produced during it, all delivered once and in order ${Date.now() - upReal - 1000} ms after it came back; ${hooks.deliveries.length} deliveries in all, every signature verified; ${realSeconds.toFixed(1)} s real time`,
    );
  });
});
