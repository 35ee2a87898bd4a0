import { err, ok, type Result } from "@tillroll/protocol";
import { auditWho } from "../accounts/audit-identity.js";
import type { LoginLimiter } from "../accounts/login-limiter.js";
import type {
  AuthenticatedOperator,
  IssuedOperator,
  OperatorDirectory,
  OperatorSummary,
} from "../accounts/operators.js";
import { canManageOperator, filterManageable } from "../accounts/permissions.js";
import type { Role } from "../accounts/roles.js";
import {
  clearSessionCookie,
  login,
  type WebSession,
  type WebSessionStore,
} from "../accounts/web-sessions.js";
import type { SessionAnswer } from "../api/answers.js";
import type { ParsedBody } from "../api/routes.js";
import type { AuditStore } from "../store/audit-store.js";
import { HttpError, Reply } from "./http-utils.js";

/**
 * The operator and session routes (issue 9). Who may call each route at all
 * was decided before (accounts/request-auth.ts); here a partner admin is
 * kept to the operators inside its scope, and every change is audited.
 */
export interface AccountDeps {
  directory: OperatorDirectory;
  sessions: WebSessionStore;
  limiter: LoginLimiter;
  audit: Pick<AuditStore, "append">;
  now: () => number;
  /** Serving over TLS: session cookies get `Secure`. */
  secureCookies: boolean;
}

/** The caller as the HTTP layer authenticated it. */
export interface Caller {
  operator: AuthenticatedOperator;
  via: "token" | "cookie" | "public";
  session: WebSession | null;
}

export class AccountHandlers {
  constructor(private readonly deps: AccountDeps) {}

  list(caller: Caller): Result<OperatorSummary[]> {
    return ok(filterManageable(caller.operator, this.deps.directory.list()));
  }

  async add(caller: Caller, body: ParsedBody<"addOperator">): Promise<Result<IssuedOperator>> {
    this.mayManage(caller, { role: body.role, scope: body.scope ?? null });
    const added = await this.deps.directory.add(body.name, body.role, body.scope, body.email);
    if (added.ok) {
      const { name, role, scope, email } = added.value;
      await this.record(caller, "operator add", { name, role, scope, email }, name);
    }
    return added;
  }

  async remove(
    caller: Caller,
    body: ParsedBody<"removeOperator">,
  ): Promise<Result<OperatorSummary>> {
    const target = this.existing(caller, body.name);
    if (!target.ok) return target;
    const removed = await this.deps.directory.remove(body.name);
    if (!removed.ok) return removed;
    await this.deps.sessions.deleteForOperator(body.name);
    const { name, role, scope } = removed.value;
    await this.record(caller, "operator remove", { name, role, scope }, name);
    return removed;
  }

  async reset(caller: Caller, body: ParsedBody<"resetOperator">): Promise<Result<IssuedOperator>> {
    const target = this.existing(caller, body.name);
    if (!target.ok) return target;
    const reset = await this.deps.directory.reset(body.name);
    if (!reset.ok) return reset;
    await this.deps.sessions.deleteForOperator(body.name);
    const { name, role, scope } = reset.value;
    await this.record(caller, "operator reset", { name, role, scope }, name);
    return reset;
  }

  /** `POST /api/session`: a cookie session, or with `token: true` a bearer session token. */
  async login(body: ParsedBody<"login">, address: string): Promise<Result<Reply>> {
    const { directory, limiter, sessions, secureCookies } = this.deps;
    const answer = await login(
      { directory, limiter, sessions, secure: secureCookies },
      { name: body.name, password: body.password },
      address,
      { token: body.token === true },
    );
    if (answer.status === 429)
      return ok(new Reply(429, answer.body, { "retry-after": String(answer.retryAfterSeconds) }));
    if (answer.status !== 200) return ok(new Reply(answer.status, answer.body));
    const headers: Record<string, string> =
      answer.setCookie === undefined ? {} : { "set-cookie": answer.setCookie };
    return ok(new Reply(200, answer.body satisfies SessionAnswer, headers));
  }

  whoami(caller: Caller): Result<SessionAnswer> {
    const { name, role, scope } = caller.operator;
    // A web console reloaded after login gets its CSRF token back from here.
    const csrf =
      caller.via === "cookie" && caller.session ? { csrfToken: caller.session.csrfToken } : {};
    return ok({ name, role, scope, ...csrf });
  }

  /** Ends the caller's session (cookie or session token); an API token has none and stays valid. */
  async logout(caller: Caller): Promise<Result<Reply>> {
    if (caller.session !== null) await this.deps.sessions.delete(caller.session.id);
    const headers: Record<string, string> =
      caller.via === "cookie"
        ? { "set-cookie": clearSessionCookie({ secure: this.deps.secureCookies }) }
        : {};
    return ok(new Reply(200, { ok: true, ended: caller.session !== null }, headers));
  }

  /** The operator `name` if the caller may manage it; refused with 403 when outside its scope. */
  private existing(caller: Caller, name: string): Result<AuthenticatedOperator> {
    const target = this.deps.directory.lookup(name);
    if (target === undefined) return err(`no operator named ${JSON.stringify(name)}`);
    this.mayManage(caller, target);
    return ok(target);
  }

  private mayManage(caller: Caller, target: { role: Role; scope: string | null }): void {
    const decision = canManageOperator(caller.operator, target);
    if (!decision.ok) throw new HttpError(decision.status, decision.message);
  }

  private async record(
    caller: Caller,
    action: string,
    details: Record<string, unknown>,
    name: string,
  ): Promise<void> {
    await this.deps.audit.append({
      at: new Date(this.deps.now()).toISOString(),
      who: auditWho(caller.operator),
      action,
      details,
      touched: [`operator:${name}`],
      skipped: 0,
    });
  }
}
