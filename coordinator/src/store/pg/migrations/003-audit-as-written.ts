/**
 * Migration 003: the audit trail keeps each entry as written. `jsonb` stores
 * an object with its keys re-ordered (shortest first), so `tillroll audit`
 * on PostgreSQL printed `"to":{"seq":…,"active":…}` where the JSON store
 * prints the entry as the coordinator made it; `json` keeps the text. The
 * entries written before this migration keep jsonb's order (nothing can
 * restore theirs); every later entry reads back byte for byte.
 */
export const AUDIT_AS_WRITTEN_SQL = `
ALTER TABLE audit ALTER COLUMN entry TYPE json USING entry::json;
`;
