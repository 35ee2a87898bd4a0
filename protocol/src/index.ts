// The whole protocol: the browser-safe part (pure.ts, one list of modules)
// and what is built on node:crypto — signing, and the message envelopes and
// JSON Schemas that use it.
export * from "./json-schema.js";
export * from "./messages.js";
export * from "./pure.js";
export * from "./recipe-hash.js";
export * from "./signing.js";
