import { ok, type Result } from "@tillroll/protocol";
import type { Operator } from "../accounts/identity.js";
import type { ParsedBody, ParsedQuery } from "../api/routes.js";
import { releaseActions } from "../releases/release-actions.js";
import type {
  ReleaseConsole,
  ReleaseRefusalCode,
  ReleaseResult,
} from "../releases/release-console.js";
import type {
  ReleaseOperation,
  ReleaseOperationKind,
  ReleaseSummary,
  ReleaseView,
} from "../releases/release-model.js";
import { HttpError } from "./http-utils.js";

/** The HTTP status of each refusal of the release console. */
export const RELEASE_REFUSAL_STATUS: Readonly<
  Record<ReleaseRefusalCode, 400 | 403 | 404 | 409 | 503>
> = {
  invalid: 400,
  forbidden: 403,
  "not-found": 404,
  conflict: 409,
  unavailable: 503,
};

/** A refusal answered with its own status; success as the route's answer. */
export function releaseAnswer<T>(result: ReleaseResult<T>): Result<T> {
  if (result.ok) return ok(result.value);
  throw new HttpError(RELEASE_REFUSAL_STATUS[result.code], result.error);
}

/** A release view with what `who` may do with it now (the web console's buttons, issue 12). */
function withActions(result: Result<ReleaseView>, who: Operator): Result<ReleaseView> {
  return result.ok ? ok({ ...result.value, actions: releaseActions(result.value, who) }) : result;
}

/** The operations without a comment, as the routes name them. */
type PlainKind = Exclude<ReleaseOperationKind, "approve" | "reject">;

/**
 * The release task routes (issue 10): each one call of the release console
 * (operations/release-operations.ts), which checks scope, state and four
 * eyes, audits and persists; here only the parsed request goes in and the
 * refusal's code becomes the HTTP status.
 */
export class ReleaseHandlers {
  constructor(private readonly releases: ReleaseConsole) {}

  async create(who: Operator, body: ParsedBody<"createRelease">): Promise<Result<ReleaseView>> {
    return releaseAnswer(await this.releases.create(body, who));
  }

  async list(who: Operator): Promise<Result<ReleaseSummary[]>> {
    return releaseAnswer(await this.releases.list(who));
  }

  async show(who: Operator, query: ParsedQuery<"showRelease">): Promise<Result<ReleaseView>> {
    return withActions(releaseAnswer(await this.releases.show(query.id, who)), who);
  }

  async operate(
    who: Operator,
    kind: PlainKind,
    body: ParsedBody<"startRelease">,
  ): Promise<Result<ReleaseView>> {
    return this.run(who, body.id, { kind });
  }

  async decide(
    who: Operator,
    kind: "approve" | "reject",
    body: ParsedBody<"approveRelease">,
  ): Promise<Result<ReleaseView>> {
    return this.run(who, body.id, { kind, comment: body.comment.trim() });
  }

  private async run(
    who: Operator,
    id: string,
    operation: ReleaseOperation,
  ): Promise<Result<ReleaseView>> {
    return withActions(releaseAnswer(await this.releases.operate(id, operation, who)), who);
  }
}
