/**
 * Migration 004 (issue 14, replicas): the release commands a follower hands to the
 * leader. A follower inserts a row (`pending`) and notifies `tillroll_commands`; the
 * leader claims it (`pending` -> `claimed`, one UPDATE, so two leaders never both run
 * it), carries it out on its release runner, stores the answer (`done`, `result`) and
 * notifies again. A follower that heard nothing in time abandons it (`pending` ->
 * `abandoned`): then no leader ever runs it. See replicas/pg-command-queue.ts.
 */
export const REPLICA_COMMANDS_SQL = `
CREATE TABLE replica_commands (
  id bigserial PRIMARY KEY,
  kind text NOT NULL,
  payload jsonb NOT NULL,
  state text NOT NULL DEFAULT 'pending'
    CHECK (state IN ('pending', 'claimed', 'done', 'abandoned')),
  result jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  done_at timestamptz
);
CREATE INDEX replica_commands_pending ON replica_commands (id) WHERE state = 'pending';
`;
