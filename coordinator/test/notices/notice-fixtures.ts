import type { TaskFacts } from "../../src/notices/notice-model.js";
import type { DirectoryEntry } from "../../src/notices/notice-recipients.js";

/** A release task as notices describe it; fields overridable. */
export function task(overrides: Partial<TaskFacts> = {}): TaskFacts {
  return {
    id: "3",
    name: "spring",
    function: "pos-client",
    version: "1.1.0",
    mode: "at",
    at: "2026-12-01T01:00:00.000Z",
    forced: false,
    redeploy: false,
    createdBy: "anna",
    groups: ["DE/North/Berlin", "DE/North/Hamburg"],
    stores: ["1001", "1002"],
    notify: { partnerAdmins: true, storeContacts: false },
    ...overrides,
  };
}

/** The platform blackout the notice tests announce. */
export const CHRISTMAS_BLACKOUT = {
  id: "2",
  from: "2026-12-24T00:00:00.000Z",
  to: "2026-12-27T00:00:00.000Z",
  reason: "Christmas freeze",
  group: null,
} as const;

/** The operator directory of the recipient tables. */
export const DIRECTORY: readonly DirectoryEntry[] = [
  { name: "admin", role: "admin", scope: null, email: "platform@example.com" },
  { name: "nord", role: "admin", scope: "DE/North", email: "nord@example.com" },
  { name: "sued", role: "admin", scope: "DE/South", email: "sued@example.com" },
  { name: "de", role: "admin", scope: "DE", email: "de@example.com" },
  { name: "mute", role: "admin", scope: "DE/North", email: null },
  { name: "anna", role: "operator", scope: "DE/North", email: "anna@example.com" },
  { name: "olga", role: "operator", scope: null, email: "olga@example.com" },
];

export const CONTACTS: Readonly<Record<string, string>> = {
  "1001": "store1001@example.com",
  "1002": "store1002@example.com",
};
