import { ok, type Result } from "@tillroll/protocol";
import type { Operator } from "../accounts/identity.js";
import type { Answer, ParsedBody, ParsedQuery } from "../api/routes.js";
import type { ScheduleConsole } from "../schedules/schedule-console.js";
import type { WindowSubject } from "../schedules/schedule-model.js";
import { releaseAnswer } from "./release-handlers.js";

/** `{group}` or `{store}` (the schema let exactly one through) as a window subject. */
function subjectOf(body: {
  group?: string | undefined;
  store?: string | undefined;
}): WindowSubject {
  return body.group !== undefined
    ? { kind: "group", group: body.group }
    : { kind: "store", store: body.store as string };
}

/**
 * The schedule routes (issue 11): each one call of the schedule console
 * (operations/schedule-operations.ts), which checks scope, validates,
 * persists and audits; a refusal's code becomes the HTTP status as for
 * release tasks.
 */
export class ScheduleHandlers {
  constructor(private readonly schedules: ScheduleConsole) {}

  async listWindows(who: Operator): Promise<Result<Answer<"listWindows">>> {
    return releaseAnswer(await this.schedules.listWindows(who));
  }

  async setWindow(
    who: Operator,
    body: ParsedBody<"setWindow">,
  ): Promise<Result<Answer<"setWindow">>> {
    return releaseAnswer(
      await this.schedules.setWindow({ subject: subjectOf(body), window: body.window }, who),
    );
  }

  async removeWindow(
    who: Operator,
    body: ParsedBody<"removeWindow">,
  ): Promise<Result<Answer<"removeWindow">>> {
    return releaseAnswer(await this.schedules.removeWindow(subjectOf(body), who));
  }

  async setStore(who: Operator, body: ParsedBody<"setStore">): Promise<Result<Answer<"setStore">>> {
    return releaseAnswer(
      await this.schedules.setStore(
        {
          store: body.store,
          ...(body.tz === undefined ? {} : { tz: body.tz }),
          ...(body.contact === undefined ? {} : { contact: body.contact }),
        },
        who,
      ),
    );
  }

  async listBlackouts(
    who: Operator,
    query: ParsedQuery<"listBlackouts">,
  ): Promise<Result<Answer<"listBlackouts">>> {
    return releaseAnswer(await this.schedules.listBlackouts(who, query.all === "true"));
  }

  async addBlackout(
    who: Operator,
    body: ParsedBody<"addBlackout">,
  ): Promise<Result<Answer<"addBlackout">>> {
    return releaseAnswer(
      await this.schedules.addBlackout(
        { from: body.from, to: body.to, reason: body.reason, group: body.group ?? null },
        who,
      ),
    );
  }

  async removeBlackout(
    who: Operator,
    body: ParsedBody<"removeBlackout">,
  ): Promise<Result<Answer<"removeBlackout">>> {
    return releaseAnswer(await this.schedules.removeBlackout(body.id, who));
  }

  notices(): Result<Answer<"notices">> {
    return ok({ notices: this.schedules.notices() });
  }
}
