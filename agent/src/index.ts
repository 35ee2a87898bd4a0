export {
  type AgentConfig,
  type AgentConfigInput,
  agentConfigSchema,
} from "./config/agent-config.js";
export { loadAgentConfig, parseAgentConfig } from "./config/load-config.js";
export { Agent, type AgentOptions } from "./engine/agent.js";
export { FORWARD_STEPS, ROLLBACK_STEPS } from "./engine/journal.js";
export { type ExtractLimits, type ExtractResult, extractPackSafely } from "./pack/safe-extract.js";
export { type Clock, systemClock } from "./process/clock.js";
export { readDescriptor } from "./release/read-descriptor.js";
export { DurableJsonFile, openDurableDb } from "./store/durable-json-file.js";
