// The agent's own public surface. The config schema lives in @tillroll/protocol and the file
// code it shares with the coordinator in @tillroll/protocol/node; the schema is re-exported here
// because a config file is the agent's.
export { type AgentConfig, type AgentConfigInput, agentConfigSchema } from "@tillroll/protocol";
export { loadAgentConfig, parseAgentConfig } from "./config/load-config.js";
export { Agent, type AgentOptions } from "./engine/agent.js";
export { FORWARD_STEPS, ROLLBACK_STEPS } from "./engine/journal.js";
export { type Clock, systemClock } from "./process/clock.js";
