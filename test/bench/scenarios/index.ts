import type { Scenario } from "../scenario.js";
import { query } from "./query.js";

/** Every scenario by name, in the order `pnpm bench` runs them. */
export const SCENARIOS: Record<string, Scenario> = {
  query,
};
