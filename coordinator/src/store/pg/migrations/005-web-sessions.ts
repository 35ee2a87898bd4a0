/**
 * Migration 005 (issue 14): web console and `tillroll login` sessions, shared
 * by every replica on this database. A row is keyed by the SHA-256 of the
 * session id, never the id itself: someone reading the table cannot sign in
 * with what it holds. `credential_id` is the operator's secrets when the
 * session began (a reset ends it). `expires_at` is the earlier of the idle
 * and the absolute end as of `last_used_at`, which replicas write at most
 * once a minute per session, so a sweep deletes by one index.
 */
export const WEB_SESSIONS_SQL = `
CREATE TABLE web_sessions (
  id_hash text PRIMARY KEY,
  operator text NOT NULL,
  credential_id text NOT NULL,
  created_at timestamptz NOT NULL,
  last_used_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX web_sessions_operator ON web_sessions (operator);
CREATE INDEX web_sessions_expires ON web_sessions (expires_at);
`;
