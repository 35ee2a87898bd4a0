import * as z from "zod";
import { functionPackDescriptorSchema } from "./descriptor.js";
import { EXAMPLE_DESCRIPTOR, EXAMPLE_PAYLOADS } from "./examples.js";
import { MAX_PAYLOAD_BYTES } from "./limits.js";
import { PAYLOAD_SCHEMAS } from "./messages.js";
import { signedEnvelopeSchema } from "./signing.js";
import { TOPIC_KINDS } from "./topics.js";

/** The one rule of every message no JSON Schema can check: it is about bytes on the wire. */
function sizeRule(what: string): string {
  return `Not expressed in this JSON Schema: ${what} is at most ${MAX_PAYLOAD_BYTES} bytes of UTF-8.`;
}

function withSizeRule(schema: Record<string, unknown>, what: string): Record<string, unknown> {
  const description = typeof schema.description === "string" ? `${schema.description}. ` : "";
  return { ...schema, description: `${description}${sizeRule(what)}` };
}

/**
 * JSON Schema (draft 2020-12) for every document, generated from the zod
 * schemas so there is one source. The files must refuse exactly what the
 * code refuses (test/json-schema-verdicts.test.ts checks a table of examples
 * with ajv): every rule is a zod check JSON Schema can express, or JSON Schema
 * metadata beside the refinement that enforces it (the cross-field rules of
 * desired and status as `if`/`then`). What JSON Schema cannot express (the
 * payload size, node-semver's range grammar) is said in each file's
 * description and in PROTOCOL.md. Keys are file names under protocol/schema/.
 */
export function buildJsonSchemas(): Record<string, unknown> {
  const files: Record<string, unknown> = {};
  for (const kind of TOPIC_KINDS) {
    const schema = z.toJSONSchema(PAYLOAD_SCHEMAS[kind], { io: "input", unrepresentable: "any" });
    const what = kind === "desired" ? "the signed envelope carrying it" : "the whole message";
    files[`${kind}.json`] = { ...withSizeRule(schema, what), examples: [EXAMPLE_PAYLOADS[kind]] };
  }
  files["signed-envelope.json"] = withSizeRule(
    z.toJSONSchema(signedEnvelopeSchema, { io: "input" }),
    "the whole message",
  );
  files["function-pack-descriptor.json"] = {
    ...z.toJSONSchema(functionPackDescriptorSchema, { io: "input", unrepresentable: "any" }),
    examples: [EXAMPLE_DESCRIPTOR],
  };
  return files;
}

/** The text written to each file: stable key order, two-space indent, trailing newline. */
export function renderJsonSchemas(): Record<string, string> {
  const rendered: Record<string, string> = {};
  for (const [name, schema] of Object.entries(buildJsonSchemas())) {
    rendered[name] = `${JSON.stringify(schema, null, 2)}\n`;
  }
  return rendered;
}
