import { z } from "zod";
import { functionPackDescriptorSchema } from "./descriptor.js";
import { EXAMPLE_DESCRIPTOR, EXAMPLE_PAYLOADS } from "./examples.js";
import { PAYLOAD_SCHEMAS } from "./messages.js";
import { signedEnvelopeSchema } from "./signing.js";
import { TOPIC_KINDS } from "./topics.js";

/**
 * JSON Schema (draft 2020-12) for every document, generated from the zod
 * schemas so there is one source. Cross-field rules (e.g. "phase is required
 * when status is In Progress") are zod refinements and do not appear here;
 * PROTOCOL.md states them. Keys are file names under protocol/schema/.
 */
export function buildJsonSchemas(): Record<string, unknown> {
  const files: Record<string, unknown> = {};
  for (const kind of TOPIC_KINDS) {
    const schema = z.toJSONSchema(PAYLOAD_SCHEMAS[kind], { io: "input", unrepresentable: "any" });
    files[`${kind}.json`] = { ...schema, examples: [EXAMPLE_PAYLOADS[kind]] };
  }
  files["signed-envelope.json"] = z.toJSONSchema(signedEnvelopeSchema, { io: "input" });
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
