// `--pack-base-url URL` (issue 14): the check of the flag's value (a table), and a
// live coordinator whose desired entries send agents to that server for packs.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { normalizePackBaseUrl, packBaseUrlProblem } from "../../src/packs/pack-base-url.js";
import { LiveCoordinator } from "../api/live-coordinator.js";

describe("packBaseUrlProblem", () => {
  it.each([
    ["https://cdn.example/tillroll", null],
    ["http://10.0.0.5:8080", null],
    ["https://cdn.example/tillroll/", null],
    ["cdn.example/tillroll", /is not a URL/],
    ["", /is not a URL/],
    ["ftp://cdn.example/packs", /not an http:\/\/ or https:\/\/ URL/],
    ["file:///srv/packs", /not an http:\/\/ or https:\/\/ URL/],
    ["https://user:secret@cdn.example/", /user or password/],
    ["https://cdn.example/tillroll?token=1", /query or fragment/],
    ["https://cdn.example/tillroll#x", /query or fragment/],
  ])("%j -> %s", (text, expected) => {
    const problem = packBaseUrlProblem(text);
    if (expected === null) expect(problem).toBeNull();
    else expect(problem).toMatch(expected);
  });

  it.each([
    ["https://cdn.example/tillroll/", "https://cdn.example/tillroll"],
    ["https://cdn.example/tillroll//", "https://cdn.example/tillroll"],
    ["http://10.0.0.5:8080", "http://10.0.0.5:8080"],
  ])("normalises %s to %s", (text, expected) => {
    expect(normalizePackBaseUrl(text)).toBe(expected);
  });
});

describe("a coordinator with packBaseUrl", { timeout: 60_000 }, () => {
  let live: LiveCoordinator;
  beforeAll(async () => {
    live = await LiveCoordinator.start("pack-base-url", {
      packBaseUrl: "https://cdn.example/tillroll",
    });
  }, 30_000);
  afterAll(async () => {
    await live?.close();
  });

  it("desired entries name the pack on that server, by its sha256", async () => {
    const set = await live.call("POST", "/api/set-preferred", {
      function: "pos-client",
      version: "1.1.0",
      filters: { store: "1001" },
    });
    expect(set.status, set.text).toBe(200);
    const packs = (await live.call("GET", "/api/packs?function=pos-client")).body as {
      name: string;
      version: string;
      sha256: string;
    }[];
    const pack = packs.find((p) => p.version === "1.1.0" && p.name === "pos-client");
    expect(pack).toBeDefined();
    // Durable before the answer: the data folder's desired state holds the URL agents get.
    const state = JSON.parse(readFileSync(join(live.dataDir, "coordinator.json"), "utf8")) as {
      data: { desired: Record<string, Record<string, { artifact?: { url: string } | null }>> };
    };
    const urls = Object.entries(state.data.desired)
      .filter(([key]) => key.startsWith("1001/"))
      .map(([, services]) => services["pos-client"]?.artifact?.url);
    expect(urls.length).toBeGreaterThan(0);
    for (const url of urls)
      expect(url).toBe(`https://cdn.example/tillroll/packs/${pack?.sha256}.tgz`);
  });
});
