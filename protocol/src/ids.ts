import * as z from "zod";
import { MAX_GROUP_LENGTH, MAX_ID_LENGTH } from "./limits.js";
import { whenString } from "./validation.js";

/**
 * Store and workstation ids become MQTT topic levels, so they must never
 * contain the level separator `/` or the wildcards `+` and `#`
 * (MQTT 3.1.1 §4.7.1). We go further and admit only a safe alphabet, which
 * also keeps them usable as file names and in shell commands.
 */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Function names become folder names on the workstation
 * (`<root>/<function>/releases/…`): same alphabet plus `.`, but never
 * starting with `.` so `.` and `..` are impossible.
 */
export const FUNCTION_NAME_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$/;

/** A group is a `/`-separated path of segments, e.g. `DE/North`. */
export const GROUP_PATTERN =
  /^[A-Za-z0-9_.-]+( [A-Za-z0-9_.-]+)*(\/[A-Za-z0-9_.-]+( [A-Za-z0-9_.-]+)*)*$/;

function describeId(input: unknown, kind: string): string | undefined {
  if (typeof input !== "string") return undefined; // missing or wrong type: the generic message says it
  if (input.length === 0) return `${kind} id is empty`;
  if (input.length > MAX_ID_LENGTH) return `${kind} id is longer than ${MAX_ID_LENGTH} characters`;
  return `${JSON.stringify(input)} is not a valid ${kind} id (letters, digits, "-", "_" only)`;
}

export const storeIdSchema = z
  .string()
  .regex(ID_PATTERN, { error: (issue) => describeId(issue.input, "store") })
  .meta({
    description: "Store id: letters, digits, '-', '_'; 1-64 characters",
    examples: ["1001"],
  });

export const workstationIdSchema = z
  .string()
  .regex(ID_PATTERN, { error: (issue) => describeId(issue.input, "workstation") })
  .meta({
    description:
      "Workstation id, unique inside its store: letters, digits, '-', '_'; 1-64 characters",
    examples: ["01"],
  });

export const functionNameSchema = z
  .string()
  .regex(FUNCTION_NAME_PATTERN, {
    error: whenString(
      (input) =>
        `${JSON.stringify(input)} is not a valid function name (letters, digits, ".", "-", "_"; 1-64 characters; not starting with ".")`,
    ),
  })
  .meta({ description: "Function (flow service) name", examples: ["pos-client"] });

export const requestIdSchema = z
  .string()
  .regex(ID_PATTERN, { error: (issue) => describeId(issue.input, "request") })
  .meta({ description: "Identifies one update request; a retry gets a new one" });

export const groupSchema = z
  .string()
  .max(MAX_GROUP_LENGTH)
  .regex(GROUP_PATTERN, {
    error: whenString(
      (input) =>
        `${JSON.stringify(input)} is not a valid business unit group (segments of letters, digits, ".", "-", "_", single spaces, separated by "/")`,
    ),
  })
  .meta({ description: "Business unit group path", examples: ["DE/North"] });

export function isValidId(value: string): boolean {
  return ID_PATTERN.test(value);
}

/** Full workstation id as people write it: `1001/01`. */
export function workstationKey(ref: { store: string; workstation: string }): string {
  return `${ref.store}/${ref.workstation}`;
}

/** True when `group` is `prefix` itself or one of its subgroups (`DE` matches `DE/North`). */
export function groupMatches(group: string | null | undefined, prefix: string): boolean {
  if (group == null) return false;
  return group === prefix || group.startsWith(`${prefix}/`);
}
