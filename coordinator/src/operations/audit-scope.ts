import type { Operator } from "../accounts/identity.js";
import { scopeCovers } from "../accounts/scope.js";
import type { AuditEntry } from "../audit/audit-log.js";

/** Most entries one `GET /api/audit` answers: the newest ones. */
export const AUDIT_ANSWER_LIMIT = 1000;

/**
 * Which audit entries a scoped caller may read: those whose every touched
 * workstation (`store/ws` or `store/ws/function`) lies in its scope. The
 * group of a workstation removed since comes from the entry itself
 * (`details.group`, which workstation entries carry); a workstation whose
 * group is unknown hides the entry (fail closed). Entries that touch no
 * workstation (packs, operators) are shared, like the pack list.
 */
export function readableAudit(
  viewer: Operator,
  entries: readonly AuditEntry[],
  groupOf: (workstationKey: string) => string | null | undefined,
): AuditEntry[] {
  const scope = viewer.scope;
  if (scope === null) return [...entries];
  return entries.filter((entry) => {
    const recorded = entry.details.group;
    for (const touched of entry.touched) {
      const parts = touched.split("/");
      if (parts.length < 2 || touched.includes("@") || touched.includes(":")) continue;
      const key = `${parts[0]}/${parts[1]}`;
      const known = groupOf(key);
      const group =
        known !== undefined
          ? known
          : typeof recorded === "string" || recorded === null
            ? recorded
            : undefined;
      if (group === undefined || !scopeCovers(scope, group)) return false;
    }
    return true;
  });
}
