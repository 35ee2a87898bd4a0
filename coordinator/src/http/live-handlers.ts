import type { IncomingMessage, ServerResponse } from "node:http";
import { ok, type Result } from "@tillroll/protocol";
import { checkChangeScope } from "../accounts/scope.js";
import type { ParsedQuery } from "../api/routes.js";
import type { LiveHub } from "../live/live-hub.js";
import type { InstallLogEntry, InstallLogStore } from "../store/install-log-store.js";
import type { WorkstationRef } from "../store/workstation-store.js";
import type { AccountDeps, Caller } from "./account-handlers.js";
import { sendJson } from "./http-utils.js";

/** What the live routes (issue 12) need: the stream hub, the kept install logs, a workstation's group. */
export interface LiveDeps {
  hub: Pick<LiveHub, "open">;
  installLog: Pick<InstallLogStore, "read">;
  /** The business unit group of an enrolled workstation; undefined when it is not enrolled. */
  groupOf(ref: WorkstationRef): Promise<string | null | undefined>;
}

export interface InstallLogAnswer {
  store: string;
  workstation: string;
  function: string;
  lines: InstallLogEntry[];
  /** Pass as `after` to get only the lines kept since this answer (follow). */
  next: number;
}

/**
 * `GET /api/events` and `GET /api/install-log`. A stream is opened only
 * after the request was authenticated, authorized and its query parsed
 * (api-server.ts); its heartbeat then asks `sessionEnded` without touching
 * the session, so an open console tab does not keep an idle session alive.
 */
export class LiveHandlers {
  constructor(
    private readonly deps: LiveDeps,
    private readonly accounts: Pick<AccountDeps, "directory" | "sessions">,
  ) {}

  events(
    req: IncomingMessage,
    res: ServerResponse,
    caller: Caller,
    query: ParsedQuery<"events">,
  ): void {
    const refused = this.deps.hub.open({
      req,
      res,
      operator: caller.operator.name,
      scope: caller.operator.scope,
      filters: query,
      ended: () => this.sessionEnded(caller),
    });
    if (refused !== null)
      sendJson(
        res,
        refused.status,
        { error: refused.error },
        { "retry-after": String(refused.retryAfterSeconds) },
      );
  }

  async installLog(
    caller: Caller,
    query: ParsedQuery<"installLog">,
  ): Promise<Result<InstallLogAnswer>> {
    const { store, workstation } = query;
    const group = await this.deps.groupOf({ store, workstation });
    // An unknown workstation has no group: outside every scope, like a row without one.
    const inScope = checkChangeScope(caller.operator, [
      { store, workstation, group: group ?? null },
    ]);
    if (!inScope.ok) return inScope;
    const kept = await this.deps.installLog.read(
      { store, workstation, function: query.function },
      { requestId: query.request, after: query.after },
    );
    return ok({
      store,
      workstation,
      function: query.function,
      lines: kept.lines.map(({ n: _n, seq: _seq, ...line }) => line),
      next: kept.next,
    });
  }

  /** Why the caller may no longer watch (session over, operator removed, reset or changed), or null. */
  private sessionEnded(caller: Caller): string | null {
    if (caller.session !== null && this.accounts.sessions.peek(caller.session.id) === null)
      return "your session has ended: log in again";
    const now = this.accounts.directory.lookup(caller.operator.name);
    if (now === undefined) return "your operator account was removed";
    if (now.credentialId !== caller.operator.credentialId)
      return "your password or token was reset: log in again";
    if (now.role !== caller.operator.role || now.scope !== caller.operator.scope)
      return "your role or scope changed: log in again";
    return null;
  }
}
