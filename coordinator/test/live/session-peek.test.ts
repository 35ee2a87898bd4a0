// The heartbeat of a live stream looks at its session with `peek`, which must not keep an
// idle session alive (an open console tab is not the operator at work).

import { describe, expect, it } from "vitest";
import { SessionStore } from "../../src/accounts/web-sessions.js";

describe("SessionStore.peek", () => {
  it("finds a live session without restarting its idle clock", () => {
    let now = 0;
    const sessions = new SessionStore({ now: () => now, idleTimeoutMs: 1000 });
    const session = sessions.create({
      name: "olga",
      role: "viewer",
      scope: null,
      credentialId: "c1",
    });
    for (now = 100; now < 1000; now += 200) expect(sessions.peek(session.id)?.name).toBe("olga");
    now = 1000;
    expect(sessions.peek(session.id)).toBeNull();
    expect(sessions.touch(session.id)).toBeNull();
    expect(sessions.peek("no-such-session")).toBeNull();
  });
});
