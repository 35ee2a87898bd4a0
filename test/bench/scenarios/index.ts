import type { Scenario } from "../scenario.js";
import { footprint } from "./footprint.js";
import { install } from "./install.js";
import { query } from "./query.js";

/** Every scenario by name, in the order `pnpm bench` runs them. */
export const SCENARIOS: Record<string, Scenario> = {
  query,
  install,
  footprint,
};
