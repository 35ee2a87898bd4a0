export type { Operator } from "./accounts/identity.js";
export { canApprove } from "./accounts/permissions.js";
export { ANSWERS, errorAnswer } from "./api/answers.js";
export { buildOpenApi, renderOpenApi } from "./api/openapi.js";
export {
  type Answer,
  API_ROUTES,
  type RequestBody,
  type RequestQuery,
  type RouteName,
  type RouteSpec,
} from "./api/routes.js";
export { startEmbeddedBroker } from "./broker/embedded-broker.js";
export { agentUsername, parseWorkstationUsername, posUsername } from "./broker/usernames.js";
export { type ConsoleTarget, callApi, callRoute } from "./cli/console-client.js";
export { EXIT_CODES } from "./cli/exit-codes.js";
export { Coordinator, type CoordinatorOptions } from "./coordinator.js";
export type { ServiceRow } from "./fleet/service-row.js";
export { formatStatusTable, type JsonRow, toJsonRow } from "./fleet/status-table.js";
export type {
  NoticeEvent,
  NoticeInput,
  NoticePublisher,
  TaskFacts,
} from "./notices/notice-model.js";
export { NOTICE_EVENTS } from "./notices/notice-model.js";
export type { NoticeService } from "./notices/notice-service.js";
// Webhook receivers verify X-Tillroll-Signature with these (README "Notices: e-mail and webhooks").
export { signWebhookBody, verifyWebhookSignature } from "./notices/webhook-signature.js";
export type { ChangeReport, EnrolResult } from "./operations/console-operations.js";
