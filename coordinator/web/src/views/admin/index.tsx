/** Maintenance windows (with store settings), blackouts, webhooks, operators, audit. */
import "./admin.css";

export { AuditPage } from "./audit.js";
export { BlackoutsPage } from "./blackouts.js";
export { OperatorsPage } from "./operators.js";
export { WebhooksPage } from "./webhooks.js";
export { WindowsPage } from "./windows.js";
