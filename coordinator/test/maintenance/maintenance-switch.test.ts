import { describe, expect, it } from "vitest";
import {
  type MaintenanceRequest,
  planMaintenanceSwitch,
} from "../../src/maintenance/maintenance-switch.js";

const ref = { store: "1001", workstation: "01" };
const req = (active: boolean, fn: string | null = null, reason: string | null = null) =>
  ({ ...ref, active, function: fn, reason }) satisfies MaintenanceRequest;
const whole = { active: true, functions: [], reason: "stock-taking", by: "rita" };
const posOnly = { active: true, functions: ["pos-client"], reason: null, by: "rita" };

describe("planMaintenanceSwitch", () => {
  it.each([
    {
      name: "on, whole workstation",
      current: null,
      request: req(true, null, "stock-taking"),
      want: { ...whole, by: "ada" },
    },
    {
      name: "on for one function",
      current: null,
      request: req(true, "pos-client"),
      want: { ...posOnly, by: "ada" },
    },
    {
      name: "another function joins",
      current: posOnly,
      request: req(true, "price-sync"),
      want: { active: true, functions: ["pos-client", "price-sync"], reason: null, by: "ada" },
    },
    {
      name: "a whole workstation stays whole",
      current: whole,
      request: req(true, "pos-client"),
      want: { ...whole, by: "ada" },
    },
    { name: "off", current: whole, request: req(false), want: null },
    {
      name: "the last function out ends it",
      current: posOnly,
      request: req(false, "pos-client"),
      want: null,
    },
    {
      name: "one function out, the others stay",
      current: { ...posOnly, functions: ["pos-client", "price-sync"] },
      request: req(false, "price-sync"),
      want: { ...posOnly, by: "ada" },
    },
  ])("$name", ({ current, request, want }) => {
    const planned = planMaintenanceSwitch(current, request, "ada");
    expect(planned).toEqual({ ok: true, value: want });
  });

  it.each([
    { current: null, request: req(false), error: "maintenance mode is not on for 1001/01" },
    {
      current: whole,
      request: req(false, "pos-client"),
      error: "maintenance mode is on for the whole of 1001/01: switch it off without --function",
    },
    {
      current: posOnly,
      request: req(false, "price-sync"),
      error: "covers pos-client, not price-sync",
    },
  ])("refuses $error", ({ current, request, error }) => {
    const planned = planMaintenanceSwitch(current, request, "ada");
    expect(planned.ok).toBe(false);
    if (!planned.ok) expect(planned.error).toContain(error);
  });
});
