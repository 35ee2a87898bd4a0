/**
 * The shape every benchmark scenario reports: each metric beside the floor
 * measured in the same run on the same machine, the ratio, and the target.
 * Speed targets live here, never in timed unit tests.
 */
export interface Metric {
  name: string;
  value: number;
  unit: string;
  /** The same work done by the bare minimum (curl, a bare MQTT client...), or null when there is none. */
  floor: number | null;
  /** value / floor, or null without a floor. */
  ratio: number | null;
  /** The target in words, e.g. "ratio <= 2.0" or "<= 50 ms". */
  target: string;
  /** Whether the target was met; null when the metric has no target. */
  met: boolean | null;
}

export interface ScenarioResult {
  scenario: string;
  machine: string;
  date: string;
  quick: boolean;
  metrics: Metric[];
  /**
   * os.loadavg() (1, 5, 15 min) when the scenario started and ended: the
   * machine is shared, and a figure from a loaded minute reads differently.
   */
  loadAverage?: { start: number[]; end: number[] };
  /** Wall time of the whole scenario, floors included. */
  seconds?: number;
}

export interface ScenarioContext {
  /** 1/10 scale, for CI: checks that the scenario runs and every status arrives, not how fast. */
  quick: boolean;
  /** A fresh folder for this scenario, removed afterwards. */
  workDir: string;
  log: (line: string) => void;
}

export type Scenario = (ctx: ScenarioContext) => Promise<Metric[]>;

/** A metric compared with its floor: met when value / floor <= maxRatio. */
export function ratioMetric(
  name: string,
  value: number,
  floor: number,
  unit: string,
  maxRatio: number,
): Metric {
  const ratio = floor > 0 ? value / floor : Number.POSITIVE_INFINITY;
  return {
    name,
    value,
    unit,
    floor,
    ratio,
    target: `ratio <= ${maxRatio}`,
    met: ratio <= maxRatio,
  };
}

/** A metric with an absolute bound: met when value <= max. */
export function maxMetric(name: string, value: number, unit: string, max: number): Metric {
  return {
    name,
    value,
    unit,
    floor: null,
    ratio: null,
    target: `<= ${max} ${unit}`,
    met: value <= max,
  };
}

/** A figure reported for information. */
export function infoMetric(
  name: string,
  value: number,
  unit: string,
  floor: number | null = null,
): Metric {
  return {
    name,
    value,
    unit,
    floor,
    ratio: floor !== null && floor > 0 ? value / floor : null,
    target: "",
    met: null,
  };
}

/** p-th percentile (0-100) of a list of numbers, nearest-rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}
