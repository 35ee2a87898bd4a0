// An independent validator (ajv 8, draft 2020-12, ajv-formats) for the schemas of the
// committed coordinator/openapi.json, `$ref`s to its components resolved: tests judge
// requests and live answers by the document a client would read, not by the zod schemas
// it was generated from.

import { readFileSync } from "node:fs";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsPlugin from "ajv-formats";

const DOCUMENT_ID = "https://tillroll.invalid/coordinator/openapi.json";

// ajv-formats is CommonJS; its default export arrives as the module under NodeNext typing.
const addFormats = ((addFormatsPlugin as { default?: unknown }).default ??
  addFormatsPlugin) as unknown as (ajv: Ajv2020) => Ajv2020;

export const OPENAPI_FILE = new URL("../../openapi.json", import.meta.url);

export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Record<string, unknown>>>;
  components: { schemas: Record<string, unknown> };
}

export function readOpenApi(): OpenApiDocument {
  return JSON.parse(readFileSync(OPENAPI_FILE, "utf8")) as OpenApiDocument;
}

/** A JSON Pointer token: `~` and `/` escaped. */
const token = (text: string) => text.replaceAll("~", "~0").replaceAll("/", "~1");

/** Validators for the schemas at JSON Pointers (as token lists) of the document. */
export function openApiValidator(document: OpenApiDocument): (at: string[]) => ValidateFunction {
  // Not strict: the document's own keywords (openapi, paths, style, example...) are not JSON Schema.
  const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
  ajv.addSchema(document, DOCUMENT_ID);
  return (at) => {
    const pointer = at.map(token).map(encodeURIComponent).join("/");
    const validate = ajv.getSchema(`${DOCUMENT_ID}#/${pointer}`);
    if (validate === undefined) throw new Error(`no schema at #/${at.join("/")}`);
    return validate;
  };
}

/** `validatorAt`'s schema for a route's success answer (its status, application/json; one event of a stream). */
export function answerSchemaOf(
  validatorAt: (at: string[]) => ValidateFunction,
  route: { path: string; method: string; status: number; stream?: "sse" },
): ValidateFunction {
  return validatorAt([
    "paths",
    route.path,
    route.method.toLowerCase(),
    "responses",
    String(route.status),
    "content",
    route.stream === "sse" ? "text/event-stream" : "application/json",
    "schema",
  ]);
}
