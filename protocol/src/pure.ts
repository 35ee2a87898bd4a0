/**
 * The protocol without signing: everything of the package index that runs
 * in a browser (no `node:` import reaches it). The web console's contract
 * (coordinator/src/api/contract.ts) and the coordinator modules it reaches
 * import from here (`@tillroll/protocol/pure`); signing (node:crypto) and
 * the message envelopes and JSON Schemas built on it stay in the index.
 */
export * from "./allowed-versions.js";
export * from "./descriptor.js";
export * from "./examples.js";
export * from "./ids.js";
export * from "./limits.js";
export * from "./public-key-text.js";
export * from "./result.js";
export * from "./schemas/agent-config.js";
export * from "./schemas/common.js";
export * from "./schemas/desired.js";
export * from "./schemas/install-log.js";
export * from "./schemas/pos.js";
export * from "./schemas/presence.js";
export * from "./schemas/recipe.js";
export * from "./schemas/status.js";
export * from "./status-model.js";
export * from "./topics.js";
export * from "./validation.js";
export * from "./windows/maintenance-window.js";
export * from "./windows/window-calculus.js";
