import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Coordinator } from "@tillroll/coordinator";
import { buildPack } from "../../support/packs.js";
import { infoMetric, type Metric, maxMetric, percentile, type Scenario } from "../scenario.js";
import { generateRows, seedDataDir } from "./fleet-data.js";
import { measureRowMemory } from "./row-memory.js";

/** The seed's filters, as an operator of 3,000 stores uses them. */
const QUERIES: Record<string, string> = {
  "single store": "store=1042",
  "status = Failed": "status=Failed",
  "group prefix DE": "group=DE&status=Not%20Ready",
  version: "function=pos-client&active-version=1.2.0",
  "valid-from range": "valid-from-from=2026-11-10T00:00:00Z&valid-from-to=2026-11-12T23:59:59Z",
};

async function timed<T>(work: () => Promise<T>): Promise<[number, T]> {
  const start = performance.now();
  const value = await work();
  return [performance.now() - start, value];
}

/**
 * query: 100,000 flow-service rows in the coordinator's store; p50/p95/p99
 * of `GET /api/status` with the seed's filters over HTTP, and one bulk
 * set-preferred over 10,000 rows (desired documents signed and published);
 * before that, the coordinator's resident memory per row (row-memory.ts).
 */
export const query: Scenario = async (ctx) => {
  const total = ctx.quick ? 10_000 : 100_000;
  const repeats = ctx.quick ? 10 : 60;
  const dataDir = join(ctx.workDir, "data");
  const generated = generateRows(total);
  await seedDataDir(dataDir, generated);
  // Memory first, on coordinator processes of their own (this one also runs the bench).
  const rssDir = join(ctx.workDir, "rss-data");
  await seedDataDir(rssDir, generated);
  const memory = await measureRowMemory({
    workDir: ctx.workDir,
    seededDir: rssDir,
    rows: total,
    queries: Object.values(QUERIES),
    log: ctx.log,
    settleMs: ctx.quick ? 500 : 3000,
  });
  const [loadMs, coordinator] = await timed(() =>
    Coordinator.start({ dataDir, mqttPort: 0, httpPort: 0, log: () => undefined }),
  );
  ctx.log(`coordinator with ${total} rows up in ${loadMs.toFixed(0)} ms`);
  const metrics: Metric[] = [infoMetric(`start with ${total} rows`, loadMs, "ms"), ...memory];
  try {
    const token = (await readFile(join(dataDir, "operator-token"), "utf8")).trim();
    const headers = { authorization: `Bearer ${token}` };
    const get = async (q: string) => {
      const response = await fetch(`${coordinator.httpUrl}/api/status?${q}`, { headers });
      if (!response.ok) throw new Error(`GET ${q}: ${response.status} ${await response.text()}`);
      return (await response.json()) as unknown[];
    };
    const all: number[] = [];
    for (const [name, q] of Object.entries(QUERIES)) {
      await get(q); // warm-up
      const samples: number[] = [];
      let rows = 0;
      for (let i = 0; i < repeats; i++) {
        const [ms, result] = await timed(() => get(q));
        samples.push(ms);
        rows = result.length;
      }
      all.push(...samples);
      metrics.push(infoMetric(`GET ${name} p50 (${rows} rows)`, percentile(samples, 50), "ms"));
      metrics.push(maxMetric(`GET ${name} p95`, percentile(samples, 95), "ms", 50));
    }
    metrics.push(infoMetric("GET all filters p50", percentile(all, 50), "ms"));
    metrics.push(maxMetric("GET all filters p95", percentile(all, 95), "ms", 50));
    metrics.push(infoMetric("GET all filters p99", percentile(all, 99), "ms"));

    // Bulk set-preferred over every pos-client row: one in ten rows, so 10,000 of 100,000.
    const pack = await buildPack(join(ctx.workDir, "pack"), {
      name: "pos-client",
      version: "9.0.0",
    });
    const upload = await fetch(`${coordinator.httpUrl}/api/packs`, {
      method: "POST",
      headers,
      body: await readFile(pack.path),
    });
    if (!upload.ok) throw new Error(`pack publish: ${await upload.text()}`);
    const [bulkMs, response] = await timed(() =>
      fetch(`${coordinator.httpUrl}/api/set-preferred`, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: JSON.stringify({
          function: "pos-client",
          version: "9.0.0",
          all: true,
        }),
      }).then(async (r) => ({
        ok: r.ok,
        body: (await r.json()) as { changed: unknown[]; skipped: unknown[] },
      })),
    );
    if (!response.ok) throw new Error(`set-preferred failed: ${JSON.stringify(response.body)}`);
    ctx.log(
      `set-preferred: ${response.body.changed.length} changed, ${response.body.skipped.length} skipped`,
    );
    metrics.push(
      maxMetric(
        `bulk set-preferred over ${response.body.changed.length + response.body.skipped.length} rows`,
        bulkMs,
        "ms",
        1000,
      ),
    );
  } finally {
    await coordinator.stop();
  }
  return metrics;
};
