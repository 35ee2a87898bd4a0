/**
 * A contract body schema's verdict, sorted by form field: the console checks
 * a form with the very schema the server parses the body with
 * (`API_ROUTES.<name>.body.schema.safeParse`), and shows each sentence
 * beside the field it is about instead of one message for the whole form.
 */

/** One zod issue, as far as the form needs it. */
export interface Issue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** Field key → sentence; `form` holds issues no field owns. */
export type FieldIssues<K extends string> = Partial<Record<K | "form", string>>;

/**
 * Sort issues by field. `fieldOf` maps an issue's path (`["window", "tz"]`)
 * to a field key, or undefined for the form as a whole. The first issue of a
 * field wins (zod lists the most basic one first).
 */
export function issuesByField<K extends string>(
  issues: readonly Issue[],
  fieldOf: (path: readonly PropertyKey[]) => K | undefined,
): FieldIssues<K> {
  const byField: FieldIssues<K> = {};
  for (const issue of issues) {
    const key = fieldOf(issue.path) ?? "form";
    if (byField[key] === undefined) byField[key] = issue.message;
  }
  return byField;
}

/** The path's first key as a field name, when it is one of `fields`. */
export function topLevelField<K extends string>(fields: readonly K[]) {
  return (path: readonly PropertyKey[]): K | undefined => {
    const first = path[0];
    return typeof first === "string" && (fields as readonly string[]).includes(first)
      ? (first as K)
      : undefined;
  };
}

/** Whether a checked form has no issue at all. */
export function noIssues(issues: FieldIssues<string>): boolean {
  return Object.keys(issues).length === 0;
}
