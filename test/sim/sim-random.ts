/**
 * Seeded randomness for the fleet simulator, as pure functions over a uint32
 * state, so a workstation's state machine can carry its generator inside its
 * own (immutable) state and the same seed always gives the same run.
 *
 * mulberry32 (Tommy Ettinger's 32-bit generator): tiny, fast and good enough
 * to pick which tills fail; not for anything security related.
 */

export interface Draw {
  /** Uniform in [0, 1). */
  value: number;
  /** The generator state for the next draw. */
  state: number;
}

export function mulberry32(state: number): Draw {
  const next = (state + 0x6d2b79f5) >>> 0;
  let t = next;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return { value: ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296, state: next };
}

/**
 * The generator state of workstation `index` in a fleet seeded with `seed`:
 * the two are mixed (a murmur3 finaliser) so neighbouring indexes and seeds
 * give unrelated sequences.
 */
export function seedFor(seed: number, index: number): number {
  let h = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export interface OutcomeShares {
  /** Simulated install time, drawn uniformly from [min, max] ms. */
  installMs: { min: number; max: number };
  /** Share (0–1) of requests that meet a logged-in user first. */
  notReadyShare: number;
  /** How long such a till stays Not Ready, in ms. */
  notReadyMs: number;
  /** Share (0–1) of requests whose health check fails (Rolled Back). */
  failureShare: number;
}

/** How one update request will go on one workstation, decided when it arrives. */
export interface UpdatePlan {
  installMs: number;
  /** 0: the till is free at once; otherwise Not Ready for this long first. */
  notReadyMs: number;
  /** The new version fails its health check and is rolled back. */
  fails: boolean;
}

/**
 * Draws the plan for one request. Always three draws, whatever the shares,
 * so changing one share does not shift which tills get the other outcomes.
 */
export function drawPlan(
  state: number,
  shares: OutcomeShares,
): { plan: UpdatePlan; state: number } {
  const fail = mulberry32(state);
  const busy = mulberry32(fail.state);
  const time = mulberry32(busy.state);
  const { min, max } = shares.installMs;
  return {
    plan: {
      installMs: Math.round(min + time.value * Math.max(0, max - min)),
      notReadyMs: busy.value < shares.notReadyShare ? Math.max(1, shares.notReadyMs) : 0,
      fails: fail.value < shares.failureShare,
    },
    state: time.state,
  };
}

/** A delay in [0, maxMs] ms (reconnect jitter), with the next generator state. */
export function drawDelay(state: number, maxMs: number): { ms: number; state: number } {
  const draw = mulberry32(state);
  return { ms: maxMs > 0 ? Math.floor(draw.value * (maxMs + 1)) : 0, state: draw.state };
}
