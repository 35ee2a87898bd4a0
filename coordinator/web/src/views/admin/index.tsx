/** Maintenance windows, blackouts, webhooks, operators, audit. */
export function WindowsPage() {
  return <h1>Maintenance windows</h1>;
}

export function BlackoutsPage() {
  return <h1>Blackouts</h1>;
}

export function WebhooksPage() {
  return <h1>Webhooks</h1>;
}

export function OperatorsPage() {
  return <h1>Operators</h1>;
}

export function AuditPage() {
  return <h1>Audit log</h1>;
}
