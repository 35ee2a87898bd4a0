// @tillroll/protocol/node/extract: safe pack extraction, apart from ./index.ts because it loads
// tar (~6 MB resident), which an idle agent does not need: the agent imports this on first use.

export {
  type CheckedEntry,
  type PackVisitor,
  readPackArchive,
} from "./pack/read-pack.js";
export { type ExtractLimits, type ExtractResult, extractPackSafely } from "./pack/safe-extract.js";
