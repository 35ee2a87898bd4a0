import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, hostname, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Metric, Scenario, ScenarioResult } from "./scenario.js";
import { SCENARIOS } from "./scenarios/index.js";

const RESULTS = fileURLToPath(new URL("./results/", import.meta.url));

function machine(): string {
  const cpu = cpus();
  return `${hostname()}: ${cpu.length} x ${cpu[0]?.model ?? "cpu"}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB, node ${process.version}`;
}

function fmt(value: number | null, digits = 2): string {
  if (value === null || Number.isNaN(value)) return "-";
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(digits);
}

export function formatTable(result: ScenarioResult): string {
  const head = ["metric", "value", "unit", "floor", "ratio", "target", "met"];
  const rows = result.metrics.map((m: Metric) => [
    m.name,
    fmt(m.value),
    m.unit,
    fmt(m.floor),
    fmt(m.ratio),
    m.target,
    m.met === null ? "" : m.met ? "yes" : "NO",
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [
    `== ${result.scenario}${result.quick ? " (quick)" : ""}`,
    line(head),
    ...rows.map(line),
  ].join("\n");
}

/** `pnpm bench [SCENARIO...] [--quick]`: runs scenarios one after another, prints and saves each. */
export async function runBench(argv: string[]): Promise<ScenarioResult[]> {
  const quick = argv.includes("--quick");
  const names = argv.filter((arg) => !arg.startsWith("--"));
  const unknown = names.filter((name) => !(name in SCENARIOS));
  if (unknown.length > 0)
    throw new Error(
      `unknown scenario(s) ${unknown.join(", ")}; known: ${Object.keys(SCENARIOS).join(", ")}`,
    );
  const chosen = names.length > 0 ? names : Object.keys(SCENARIOS);
  await mkdir(RESULTS, { recursive: true });
  const results: ScenarioResult[] = [];
  for (const name of chosen) {
    const scenario = SCENARIOS[name] as Scenario;
    const workDir = await mkdtemp(join(tmpdir(), `tillroll-bench-${name}-`));
    const started = Date.now();
    const loadAtStart = loadavg();
    const load = (l: number[]) => l.map((v) => v.toFixed(2)).join(" ");
    process.stdout.write(`  [${name}] load average at start ${load(loadAtStart)}\n`);
    try {
      const metrics = await scenario({
        quick,
        workDir,
        log: (line) => process.stdout.write(`  [${name}] ${line}\n`),
      });
      const result: ScenarioResult = {
        scenario: name,
        machine: machine(),
        date: new Date().toISOString(),
        quick,
        metrics,
        loadAverage: { start: loadAtStart, end: loadavg() },
        seconds: (Date.now() - started) / 1000,
      };
      results.push(result);
      process.stdout.write(
        `${formatTable(result)}\n(${result.seconds?.toFixed(1)} s; load average at start ${load(loadAtStart)}, at end ${load(result.loadAverage?.end ?? [])})\n\n`,
      );
      await writeFile(
        join(RESULTS, `${name}${quick ? ".quick" : ""}.json`),
        `${JSON.stringify(result, null, 2)}\n`,
      );
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  }
  return results;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  runBench(process.argv.slice(2)).catch((error: Error) => {
    process.stderr.write(`bench: ${error.stack ?? error.message}\n`);
    process.exit(1);
  });
}
