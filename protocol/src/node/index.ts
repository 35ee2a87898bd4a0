// @tillroll/protocol/node: the part of the protocol that touches files, shared by the agent and
// the coordinator so both apply one implementation (the agent extracts packs by the same entry
// rules the coordinator checks them with; both keep their state in the same durable JSON file).
// The rest of protocol/src stays pure (no files, sockets, processes), which the lint enforces;
// only this folder may use node:fs, tar and lowdb.

export {
  checkEntryMode,
  checkEntrySize,
  checkEntryType,
  entryLabel,
  type PackEntryKind,
  type RuleResult,
  splitPackPath,
} from "./pack/entry-rules.js";
// Safe extraction loads tar (~6 MB resident): it has its own entry point,
// `@tillroll/protocol/node/extract`, which the agent imports on first use.
export { decompressedCap, type ExtractLimits, type ExtractResult } from "./pack/pack-limits.js";
export {
  descriptorMismatch,
  MAX_DESCRIPTOR_BYTES,
  readDescriptor,
} from "./release/read-descriptor.js";
export type { DurableFs, DurableHandle } from "./store/durable-fs.js";
export {
  DurableFileError,
  type DurableFileErrorKind,
  DurableJsonFile,
  type DurableJsonFileOptions,
  openDurableDb,
} from "./store/durable-json-file.js";
export { decodeEnvelope, type SchemaCodec } from "./store/envelope.js";
