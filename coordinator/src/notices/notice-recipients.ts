import { groupMatches } from "@tillroll/protocol";
import type { NoticeInput, TaskFacts } from "./notice-model.js";

/**
 * Who gets a notice by e-mail (pure; SCHEDULE-SEMANTICS.md "Notices"):
 * - task.planned: the partner admins (admins with a scope covering any of
 *   the task's groups, that have an e-mail) when notify.partnerAdmins, and
 *   the contacts of its stores when notify.storeContacts;
 * - task.cancelled: the addresses its planning mail went to (else those
 *   worked out again), plus the owner when someone else cancelled it;
 * - blackout.announced / removed: platform maintenance (no group) to every
 *   admin with an e-mail; a group's blackout to the partner admins whose
 *   scope overlaps the group (inside it or around it);
 * - release events: nobody (webhooks only).
 * Addresses are deduplicated (case-insensitively) and sorted.
 */

export interface DirectoryEntry {
  readonly name: string;
  readonly role: string;
  readonly scope: string | null;
  readonly email: string | null;
}

export interface RecipientFacts {
  readonly operators: readonly DirectoryEntry[];
  /** The store's contact (`store set --contact`), or null. */
  storeContact(store: string): string | null;
  /** The addresses of the task's planning mail, if it was sent. */
  taskMail(taskId: string): readonly string[] | undefined;
}

/** The addresses, or null when the event is not mailed at all. */
export function mailRecipients(notice: NoticeInput, facts: RecipientFacts): string[] | null {
  switch (notice.event) {
    case "task.planned":
      return unique(plannedRecipients(notice.task, facts));
    case "task.cancelled": {
      const planned = facts.taskMail(notice.task.id) ?? plannedRecipients(notice.task, facts);
      const owner =
        notice.by === notice.task.createdBy
          ? []
          : facts.operators
              .filter((entry) => entry.name === notice.task.createdBy)
              .map((entry) => entry.email);
      return unique([...planned, ...owner]);
    }
    case "blackout.announced":
    case "blackout.removed": {
      const group = notice.blackout.group;
      const admins = facts.operators.filter((entry) => entry.role === "admin");
      const told =
        group === null
          ? admins
          : admins.filter(
              (entry) =>
                entry.scope !== null &&
                (groupMatches(group, entry.scope) || groupMatches(entry.scope, group)),
            );
      return unique(told.map((entry) => entry.email));
    }
    default:
      return null;
  }
}

function plannedRecipients(task: TaskFacts, facts: RecipientFacts): (string | null)[] {
  const admins = task.notify.partnerAdmins
    ? facts.operators
        .filter(
          (entry) =>
            entry.role === "admin" &&
            entry.scope !== null &&
            task.groups.some((group) => groupMatches(group, entry.scope as string)),
        )
        .map((entry) => entry.email)
    : [];
  const contacts = task.notify.storeContacts
    ? task.stores.map((store) => facts.storeContact(store))
    : [];
  return [...admins, ...contacts];
}

function unique(addresses: readonly (string | null)[]): string[] {
  const seen = new Map<string, string>();
  for (const address of addresses) {
    if (address === null || address.trim() === "") continue;
    const key = address.trim().toLowerCase();
    if (!seen.has(key)) seen.set(key, address.trim());
  }
  return [...seen.values()].sort((a, b) => a.localeCompare(b));
}
