import { whenString } from "@tillroll/protocol/pure";
import { z } from "zod";
import { strictObject } from "../fleet/filter-schema.js";

/**
 * The requests of the release task routes (issue 10), strict like those of
 * requests.ts: a mistyped key is refused, never dropped. The release
 * document itself is releases/release-spec.ts's `releaseSpecSchema`.
 */

/** A wrong type's message; a missing field falls through to the generic "is required". */
const notGiven =
  (message: string) =>
  (issue: { input?: unknown }): string | undefined =>
    issue.input === undefined ? undefined : message;

/** Longest approval or rejection comment. */
export const MAX_COMMENT_LENGTH = 1000;

/** A release task's id: "1", "2", … (as `release list` shows it). */
export const releaseIdSchema = z
  .string({ error: notGiven('expected a release task id (text, like "3")') })
  .regex(/^[1-9][0-9]{0,9}$/, {
    error: whenString(
      (input) =>
        `${JSON.stringify(input.slice(0, 60))} is not a release task id (a number like 3; tillroll release list shows them)`,
    ),
  });

/** Why an approver approves or rejects: required, not blank. */
export const releaseCommentSchema = z
  .string({ error: notGiven("expected a comment (text)") })
  .max(MAX_COMMENT_LENGTH, { error: `is longer than ${MAX_COMMENT_LENGTH} characters` })
  .refine((text) => text.trim() !== "", {
    error: "is blank: say why you approve or reject (--comment TEXT)",
  });

/** `GET /api/releases/show?id=3`: one release task. */
export const releaseShowQuery = strictObject({ id: releaseIdSchema }, "id", "query parameter");

/** `POST /api/releases/start` (trigger, pause, resume, retry, rollback, cancel): one release task by id. */
export const releaseRefBody = strictObject({ id: releaseIdSchema }, "id");

/** `POST /api/releases/approve` and `/reject`: the release task and the approver's comment. */
export const releaseDecisionBody = strictObject(
  { id: releaseIdSchema, comment: releaseCommentSchema },
  "id, comment",
);
