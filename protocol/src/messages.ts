import type { z } from "zod";
import { MAX_PAYLOAD_BYTES } from "./limits.js";
import { err, ok, type Result } from "./result.js";
import { desiredDocumentSchema } from "./schemas/desired.js";
import { installLogLineSchema } from "./schemas/install-log.js";
import {
  maintenanceDocumentSchema,
  noticeDocumentSchema,
  posPresenceDocumentSchema,
  sessionDocumentSchema,
} from "./schemas/pos.js";
import { presenceDocumentSchema } from "./schemas/presence.js";
import { statusDocumentSchema } from "./schemas/status.js";
import { openEnvelope, type Signer, type TrustedKeys } from "./signing.js";
import type { TopicKind } from "./topics.js";
import { parseJson, validate } from "./validation.js";

/**
 * The one map from topic kind to payload schema. Agent, coordinator and POS
 * integrators all type their messages through it, so a topic cannot carry
 * the wrong document on either side. (`desired` documents travel inside a
 * signed envelope: see encodeDesired / decodeDesired.)
 */
export const PAYLOAD_SCHEMAS = {
  desired: desiredDocumentSchema,
  status: statusDocumentSchema,
  presence: presenceDocumentSchema,
  session: sessionDocumentSchema,
  maintenance: maintenanceDocumentSchema,
  notice: noticeDocumentSchema,
  log: installLogLineSchema,
  pos: posPresenceDocumentSchema,
} as const satisfies Record<TopicKind, z.ZodType>;

export type PayloadOf<K extends TopicKind> = z.output<(typeof PAYLOAD_SCHEMAS)[K]>;
export type UnsignedTopicKind = Exclude<TopicKind, "desired">;

const DOCUMENT_NAMES: Record<TopicKind, string> = {
  desired: "desired document",
  status: "status document",
  presence: "presence document",
  session: "session document",
  maintenance: "maintenance document",
  notice: "notice",
  log: "install log line",
  pos: "POS presence document",
};

function sizeOf(bytes: Uint8Array | string): number {
  return typeof bytes === "string" ? Buffer.byteLength(bytes) : bytes.byteLength;
}

function decodeText<K extends TopicKind>(kind: K, text: string): Result<PayloadOf<K>> {
  const what = DOCUMENT_NAMES[kind];
  const json = parseJson(text, what);
  if (!json.ok) return json;
  const checked = validate(PAYLOAD_SCHEMAS[kind], json.value);
  if (!checked.ok) return err(`${what}: ${checked.error}`);
  return ok(checked.value as PayloadOf<K>);
}

/** Validates and serialises a document; refuses one the other side would refuse. */
export function encodePayload<K extends UnsignedTopicKind>(
  kind: K,
  doc: PayloadOf<K>,
): Result<string> {
  const checked = validate(PAYLOAD_SCHEMAS[kind], doc);
  if (!checked.ok) return err(`${DOCUMENT_NAMES[kind]}: ${checked.error}`);
  const text = JSON.stringify(checked.value);
  if (Buffer.byteLength(text) > MAX_PAYLOAD_BYTES) {
    return err(`${DOCUMENT_NAMES[kind]} is above the limit of ${MAX_PAYLOAD_BYTES} bytes`);
  }
  return ok(text);
}

/** Parses and validates a payload off the wire. Never throws. */
export function decodePayload<K extends UnsignedTopicKind>(
  kind: K,
  bytes: Uint8Array | string,
): Result<PayloadOf<K>> {
  const size = sizeOf(bytes);
  if (size > MAX_PAYLOAD_BYTES) {
    return err(`${DOCUMENT_NAMES[kind]} is ${size} bytes, above the limit of ${MAX_PAYLOAD_BYTES}`);
  }
  const text = typeof bytes === "string" ? bytes : Buffer.from(bytes).toString("utf8");
  return decodeText(kind, text);
}

/** Signs a desired document: the envelope's payload is exactly the validated JSON text. */
export function encodeDesired(doc: PayloadOf<"desired">, signer: Signer): Result<string> {
  const checked = validate(PAYLOAD_SCHEMAS.desired, doc);
  if (!checked.ok) return err(`${DOCUMENT_NAMES.desired}: ${checked.error}`);
  const text = JSON.stringify(signer.sign(JSON.stringify(checked.value)));
  if (Buffer.byteLength(text) > MAX_PAYLOAD_BYTES) {
    return err(`signed desired document is above the limit of ${MAX_PAYLOAD_BYTES} bytes`);
  }
  return ok(text);
}

/** Verifies the signature over the exact bytes first, then parses and validates them. */
export function decodeDesired(
  bytes: Uint8Array | string,
  keys: TrustedKeys,
): Result<PayloadOf<"desired">> {
  const opened = openEnvelope(bytes, keys);
  if (!opened.ok) return opened;
  return decodeText("desired", opened.value.payload);
}
