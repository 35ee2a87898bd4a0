// Issue 14 (replicas): notices are delivered by the leader only. A follower's publish
// adds to the shared outbox (durable) and delivers nothing itself; the leader reads the
// outbox again on the follower's notice, its worker posts the webhook once, and the
// follower sees the delivery settled.

import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { startPostgres } from "../../../test/support/postgres.js";
import { NoticeService } from "../../src/notices/notice-service.js";
import type { WebhookRegistry } from "../../src/notices/webhook-registry.js";
import type { PgCoordinatorStore } from "../../src/store/pg/open-pg-store.js";
import { twoStores } from "./two-stores.js";

beforeAll(() => startPostgres(), 120_000);

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function until(check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function service(store: PgCoordinatorStore, webhooks: WebhookRegistry): NoticeService {
  const notices = new NoticeService({
    outbox: store.outbox,
    webhooks,
    mail: null,
    operators: () => [],
    storeContact: () => null,
    zonesOf: () => [],
    audit: null,
    now: () => Date.now(),
    log: () => undefined,
  });
  // As coordinator.ts wires it: another replica's notices wake this one's workers.
  store.onRemoteMirror((mirror) => {
    if (mirror === "outbox") notices.wakePending();
  });
  cleanups.push(() => notices.close());
  return notices;
}

describe("notices delivery on the leader only", () => {
  it("a follower's notice is posted once, by the leader", async () => {
    const posts: string[] = [];
    const server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => {
        body += chunk;
      });
      request.on("end", () => {
        posts.push(body);
        response.end("ok");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const port = (server.address() as AddressInfo).port;

    const { a: leaderStore, b: followerStore } = await twoStores(cleanups, "notices-leader");
    await leaderStore.webhooks.add((id) => ({
      id,
      url: `http://127.0.0.1:${port}/hook`,
      secret: "s3cret",
      events: null,
      createdBy: "admin",
      createdAt: new Date().toISOString(),
    }));
    await until(() => followerStore.webhooks.list().length === 1);

    const leader = service(leaderStore, leaderStore.webhooks);
    leader.start();
    // The follower's sends would look the webhook up: counted, never asked.
    let followerLookups = 0;
    const follower = service(followerStore, {
      ...followerStore.webhooks,
      list: () => followerStore.webhooks.list(),
      get: (id) => {
        followerLookups += 1;
        return followerStore.webhooks.get(id);
      },
      add: (make) => followerStore.webhooks.add(make),
      remove: (id) => followerStore.webhooks.remove(id),
    });

    const blackout = { id: "b1", from: "2027-12-20", to: "2027-12-27", reason: "x", group: null };
    await follower.publish([
      { key: "blackout-b1", notice: { event: "blackout.announced", blackout, by: "admin" } },
    ]);
    // Durable before it resolved: the follower's outbox holds it, owed.
    expect(followerStore.outbox.pendingReceivers()).toEqual(["webhook:1"]);
    await until(() => posts.length === 1);
    await until(() => followerStore.outbox.pendingReceivers().length === 0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(posts).toHaveLength(1);
    expect(JSON.parse(posts[0] ?? "{}").event).toBe("blackout.announced");
    expect(followerLookups).toBe(0);
  });
});
