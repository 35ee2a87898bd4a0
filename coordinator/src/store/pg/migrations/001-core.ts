// Migration 001: the core tables. Records are kept as jsonb beside the columns that
// queries and keys need; counters that must never hand a value out twice live in
// `counters`, bumped in the same transaction as the write they serve.

export const CORE_001 = `
CREATE TABLE counters (
  name text PRIMARY KEY,
  value bigint NOT NULL
);
INSERT INTO counters (name, value) VALUES ('desired_seq', 0), ('release_id', 0);

CREATE TABLE workstations (
  store text NOT NULL,
  workstation text NOT NULL,
  record jsonb NOT NULL,
  PRIMARY KEY (store, workstation)
);

CREATE TABLE desired (
  store text NOT NULL,
  workstation text NOT NULL,
  function text NOT NULL,
  entry jsonb NOT NULL,
  PRIMARY KEY (store, workstation, function),
  FOREIGN KEY (store, workstation) REFERENCES workstations ON DELETE CASCADE
);

CREATE TABLE desired_fields (
  store text NOT NULL,
  workstation text NOT NULL,
  fields jsonb NOT NULL,
  PRIMARY KEY (store, workstation),
  FOREIGN KEY (store, workstation) REFERENCES workstations ON DELETE CASCADE
);

CREATE TABLE status_seqs (
  store text NOT NULL,
  workstation text NOT NULL,
  seq bigint NOT NULL,
  PRIMARY KEY (store, workstation)
);

CREATE TABLE fleet_rows (
  key text PRIMARY KEY,
  store text NOT NULL,
  workstation text NOT NULL,
  function text NOT NULL,
  row jsonb NOT NULL
);
CREATE INDEX fleet_rows_workstation ON fleet_rows (store, workstation);

CREATE TABLE audit (
  id bigserial PRIMARY KEY,
  entry jsonb NOT NULL
);

CREATE TABLE packs (
  name text NOT NULL,
  version text NOT NULL,
  sha256 text NOT NULL UNIQUE,
  record jsonb NOT NULL,
  PRIMARY KEY (name, version)
);

CREATE TABLE releases (
  id bigint PRIMARY KEY,
  record jsonb NOT NULL
);

CREATE TABLE schedules (
  id integer PRIMARY KEY CHECK (id = 1),
  state jsonb NOT NULL
);

CREATE TABLE recipes (
  ord bigserial NOT NULL,
  function text NOT NULL,
  scope_key text NOT NULL,
  record jsonb NOT NULL,
  PRIMARY KEY (function, scope_key)
);
`;
