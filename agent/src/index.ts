export {
  type AgentConfig,
  type AgentConfigInput,
  agentConfigSchema,
} from "./config/agent-config.js";
export { loadAgentConfig, parseAgentConfig } from "./config/load-config.js";
export { Agent, type AgentOptions } from "./engine/agent.js";
export { FORWARD_STEPS, ROLLBACK_STEPS } from "./engine/journal.js";
// The coordinator checks a pack's entries by these same rules without extracting it.
export {
  checkEntryMode,
  checkEntrySize,
  checkEntryType,
  entryLabel,
  splitPackPath,
} from "./pack/entry-rules.js";
export {
  decompressedCap,
  type ExtractLimits,
  type ExtractResult,
  extractPackSafely,
} from "./pack/safe-extract.js";
export { type Clock, systemClock } from "./process/clock.js";
export { readDescriptor } from "./release/read-descriptor.js";
export { DurableJsonFile, openDurableDb } from "./store/durable-json-file.js";
