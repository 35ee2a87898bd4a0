/**
 * Operators, roles, scopes and sessions (issue 9): everything the HTTP
 * layer, the CLI and the audit need, in one import.
 */
export * from "./audit-identity.js";
export * from "./identity.js";
export * from "./login-limiter.js";
export * from "./operator-record.js";
export * from "./operators.js";
export * from "./operators-file.js";
export * from "./permissions.js";
export * from "./request-auth.js";
export * from "./roles.js";
export * from "./scope.js";
export * from "./secrets.js";
export * from "./web-sessions.js";
