/** How long one piece of the file is built before the event loop gets a turn. */
const SLICE_MS = 4;

/** Entries stringified between two looks at the clock. */
const CLOCK_EVERY = 64;

/**
 * `{"schemaVersion":N,"data":{...}}` (compact JSON: what JSON.stringify of the
 * envelope gives, without indentation), in pieces of about SLICE_MS of work,
 * yielding to the event loop between them. `coordinator.json` holds every
 * workstation's record, desired state and status seq: with 10,000 tills one
 * JSON.stringify of it is tens of milliseconds, indented more, and that is
 * a stall of status ingestion, MQTT and the API. The records of `data`
 * (objects keyed by workstation) are split entry by entry; other fields are
 * written whole. `data` must not change until the iteration ends (the
 * StateStore's draft is its own until written).
 *
 * `texts` remembers each object entry's JSON by identity: an entry is never
 * changed in place (StateStore.change replaces it), so the text of one
 * written before is still its text. A change of 10,000 desired entries then
 * stringifies those, not the 10,000 workstation records beside them.
 */
export async function* serializeStateInSlices(
  schemaVersion: number,
  data: object,
  texts: WeakMap<object, string>,
): AsyncIterable<string> {
  let piece = `{"schemaVersion":${JSON.stringify(schemaVersion)},"data":{`;
  let sliceStart = performance.now();
  let sinceClock = 0;
  let firstField = true;
  for (const [field, value] of Object.entries(data)) {
    if (value === undefined) continue;
    piece += `${firstField ? "" : ","}${JSON.stringify(field)}:`;
    firstField = false;
    if (!isPlainRecord(value)) {
      piece += JSON.stringify(value);
      continue;
    }
    piece += "{";
    let firstEntry = true;
    for (const key in value) {
      const text = entryText(value[key], texts);
      // JSON.stringify leaves out a property whose value is undefined (or a function).
      if (text === undefined) continue;
      piece += `${firstEntry ? "" : ","}${JSON.stringify(key)}:${text}`;
      firstEntry = false;
      if (++sinceClock < CLOCK_EVERY) continue;
      sinceClock = 0;
      if (performance.now() - sliceStart < SLICE_MS) continue;
      yield piece;
      piece = "";
      await new Promise((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
    piece += "}";
  }
  yield `${piece}}}\n`;
}

/** The entry's JSON (undefined: left out), from `texts` when it was stringified before. */
function entryText(entry: unknown, texts: WeakMap<object, string>): string | undefined {
  if (typeof entry !== "object" || entry === null) return JSON.stringify(entry);
  const known = texts.get(entry);
  if (known !== undefined) return known;
  const text = JSON.stringify(entry);
  texts.set(entry, text);
  return text;
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  // Only plain objects without toJSON: anything else is left to JSON.stringify whole.
  return (proto === Object.prototype || proto === null) && !("toJSON" in value);
}
