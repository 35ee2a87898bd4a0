/**
 * Migration 002: operators, the notices outbox, webhooks and install logs
 * (the kinds the JSON store keeps in operators.json, notices/, webhooks.json
 * and install-logs/). Records as jsonb beside the columns queries need;
 * the webhook id counter is a row of 001's `counters` table.
 */
export const ACCOUNTS_NOTICES_LOGS_SQL = `
CREATE TABLE operators (
  name text PRIMARY KEY,
  -- The directory's order (it saves the whole list): load answers it back in it.
  position integer NOT NULL,
  record jsonb NOT NULL
);

CREATE TABLE notices (
  seq bigint PRIMARY KEY,
  key text NOT NULL UNIQUE,
  record jsonb NOT NULL
);

-- The mail addresses a task's planning mail went to; position: oldest first (dropped first).
CREATE TABLE notice_task_mail (
  task text PRIMARY KEY,
  position bigint NOT NULL,
  recipients jsonb NOT NULL
);

CREATE TABLE webhooks (
  id bigint PRIMARY KEY,
  record jsonb NOT NULL
);

-- One row per (workstation, function) with the last n handed out: n is never reused.
CREATE TABLE install_log_rows (
  store text NOT NULL,
  workstation text NOT NULL,
  function text NOT NULL,
  last_n bigint NOT NULL,
  PRIMARY KEY (store, workstation, function)
);

CREATE TABLE install_log_lines (
  store text NOT NULL,
  workstation text NOT NULL,
  function text NOT NULL,
  n bigint NOT NULL,
  seq bigint NOT NULL,
  -- The agent's ts: with seq, what makes a re-sent line the same line.
  at text NOT NULL,
  request_id text,
  -- Coordinator clock (ms) when kept: retention by days counts from it.
  kept bigint NOT NULL,
  line jsonb NOT NULL,
  PRIMARY KEY (store, workstation, function, n),
  UNIQUE (store, workstation, function, seq, at)
);
CREATE INDEX install_log_lines_kept ON install_log_lines (kept);
`;
