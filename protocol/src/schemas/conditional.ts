/**
 * A JSON Schema `if`/`then`/`else` (draft 2020-12 §10.2.2), for the metadata
 * of zod schemas whose cross-field refinements JSON Schema can express: the
 * generated files then refuse what the refinement refuses.
 */
export function conditional(
  condition: Record<string, unknown>,
  consequence: Record<string, unknown>,
  alternative?: Record<string, unknown>,
): Record<string, unknown> {
  return {
    if: condition,
    // biome-ignore lint/suspicious/noThenProperty: `then` is the JSON Schema keyword, never awaited
    then: consequence,
    ...(alternative === undefined ? {} : { else: alternative }),
  };
}
