import type { Scenario } from "../scenario.js";
import { footprint } from "./footprint.js";
import { install } from "./install.js";
import { query } from "./query.js";
import { reconnect } from "./reconnect.js";
import { release } from "./release.js";
import { rollout } from "./rollout.js";
import { rolloutMosquitto } from "./rollout-mosquitto.js";
import { stall } from "./stall.js";

/** Every scenario by name, in the order `pnpm bench` runs them. */
export const SCENARIOS: Record<string, Scenario> = {
  rollout,
  "rollout-mosquitto": rolloutMosquitto,
  release,
  reconnect,
  query,
  stall,
  install,
  footprint,
};
