import { randomBytes } from "node:crypto";
import { err, ok, type Result } from "@tillroll/protocol";
import { type Operator, parseEmail, parseOperatorName } from "./identity.js";
import type { OperatorPersistence, OperatorRecord } from "./operator-record.js";
import { parseRole, type Role } from "./roles.js";
import { isPlatformAdmin, parseScope } from "./scope.js";
import {
  apiTokenMatches,
  generateApiToken,
  generatePassword,
  hashApiToken,
  hashPassword,
  PASSWORD_SCRYPT_PARAMS,
  type ScryptParams,
  verifyPassword,
} from "./secrets.js";

/** What `operator add` and `operator reset` print, once: the only time the secrets exist in clear. */
export interface IssuedOperator {
  name: string;
  role: Role;
  scope: string | null;
  email: string | null;
  token: string;
  password: string;
}

/** What `operator list` shows: everything but the hashes. */
export interface OperatorSummary {
  name: string;
  role: Role;
  scope: string | null;
  email: string | null;
  createdAt: string;
  secretsIssuedAt: string;
}

/** An operator as authenticated, with the id of the secrets used (sessions check it stays current). */
export interface AuthenticatedOperator extends Operator {
  readonly credentialId: string;
}

export interface OperatorDirectoryOptions {
  now?: () => Date;
  /** Tests pass cheap parameters; production keeps the default. */
  passwordParams?: ScryptParams;
}

/** The name of the platform admin created on first start. */
export const BOOTSTRAP_ADMIN_NAME = "admin";

function summary(record: OperatorRecord): OperatorSummary {
  const { name, role, scope, email, createdAt, secretsIssuedAt } = record;
  return { name, role, scope, email, createdAt, secretsIssuedAt };
}

function identity(record: OperatorRecord): AuthenticatedOperator {
  return {
    name: record.name,
    role: record.role,
    scope: record.scope,
    credentialId: record.credentialId,
  };
}

/**
 * The operators of one coordinator. Every change is saved through the
 * persistence before the method answers, and memory changes only after the
 * save succeeded: a failed save leaves the directory exactly as it was.
 * Changes run one at a time (a queue), so two `operator add` calls for the
 * same name cannot both succeed.
 */
export class OperatorDirectory {
  private records: readonly OperatorRecord[] = [];
  private byTokenHash = new Map<string, OperatorRecord>();
  private queue: Promise<unknown> = Promise.resolve();
  private dummyHash: Promise<string> | undefined;
  private readonly now: () => Date;
  private readonly passwordParams: ScryptParams;

  private constructor(
    private readonly persistence: OperatorPersistence,
    options: OperatorDirectoryOptions,
  ) {
    this.now = options.now ?? (() => new Date());
    this.passwordParams = options.passwordParams ?? PASSWORD_SCRYPT_PARAMS;
  }

  static async open(
    persistence: OperatorPersistence,
    options: OperatorDirectoryOptions = {},
  ): Promise<OperatorDirectory> {
    const directory = new OperatorDirectory(persistence, options);
    directory.replace(await directory.loadChecked());
    return directory;
  }

  /**
   * Issue 14: reads the operators again after another replica sharing the
   * database changed them (added, reset, removed), after the changes queued
   * here. Without it a replica would refuse an operator added elsewhere and
   * take a session opened after a reset elsewhere for a stale one.
   */
  reload(): Promise<void> {
    const run = async () => this.replace(await this.loadChecked());
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async loadChecked(): Promise<readonly OperatorRecord[]> {
    const records = await this.persistence.load();
    const seen = new Set<string>();
    for (const record of records) {
      if (seen.has(record.name)) throw new Error(`operators: ${record.name} is stored twice`);
      seen.add(record.name);
    }
    return records;
  }

  list(): OperatorSummary[] {
    return this.records.map(summary).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The operator called `name` as it is now (role and scope changes apply at once). */
  lookup(name: string): AuthenticatedOperator | undefined {
    const record = this.records.find((candidate) => candidate.name === name);
    return record === undefined ? undefined : identity(record);
  }

  async add(
    name: unknown,
    role: unknown,
    scope?: unknown,
    email?: unknown,
  ): Promise<Result<IssuedOperator>> {
    const parsedName = parseOperatorName(name);
    if (!parsedName.ok) return parsedName;
    const parsedRole = parseRole(role);
    if (!parsedRole.ok) return parsedRole;
    const parsedScope = parseScope(scope);
    if (!parsedScope.ok) return parsedScope;
    const parsedEmail = parseEmail(email);
    if (!parsedEmail.ok) return parsedEmail;
    if (this.lookup(parsedName.value)) return err(`operator ${parsedName.value} already exists`);
    const secrets = await this.issueSecrets();
    return this.change((records) => {
      if (records.some((record) => record.name === parsedName.value))
        return err(`operator ${parsedName.value} already exists`);
      const at = this.now().toISOString();
      const record: OperatorRecord = {
        name: parsedName.value,
        role: parsedRole.value,
        scope: parsedScope.value,
        email: parsedEmail.value,
        ...secrets.stored,
        createdAt: at,
        secretsIssuedAt: at,
      };
      return ok({ records: [...records, record], answer: issued(record, secrets) });
    });
  }

  /** Removes an operator; its token, password and sessions stop working at once. */
  async remove(name: string): Promise<Result<OperatorSummary>> {
    return this.change((records) => {
      const record = records.find((candidate) => candidate.name === name);
      if (record === undefined) return err(`no operator named ${JSON.stringify(name)}`);
      if (isPlatformAdmin(record) && records.filter(isPlatformAdmin).length === 1)
        return err(
          `refused: ${name} is the last platform admin (an admin without a scope); add another one first`,
        );
      return ok({ records: records.filter((r) => r !== record), answer: summary(record) });
    });
  }

  /** New token and password for `name`; the old ones (and sessions opened with them) stop at once. */
  async reset(name: string): Promise<Result<IssuedOperator>> {
    if (!this.lookup(name)) return err(`no operator named ${JSON.stringify(name)}`);
    const secrets = await this.issueSecrets();
    return this.change((records) => {
      const record = records.find((candidate) => candidate.name === name);
      if (record === undefined) return err(`no operator named ${JSON.stringify(name)}`);
      const next: OperatorRecord = {
        ...record,
        ...secrets.stored,
        secretsIssuedAt: this.now().toISOString(),
      };
      return ok({
        records: records.map((r) => (r === record ? next : r)),
        answer: issued(next, secrets),
      });
    });
  }

  /** The operator whose API token this is, or null. */
  authenticateToken(token: string): AuthenticatedOperator | null {
    // The map is keyed by the token's sha256: a lookup reveals nothing about
    // the token itself, and the final comparison is constant time.
    const hash = hashApiToken(token);
    const record = this.byTokenHash.get(hash);
    if (record === undefined || !apiTokenMatches(token, record.tokenHash)) return null;
    return identity(record);
  }

  /**
   * The operator if `password` is theirs, else null: the same null, after the
   * same scrypt work, for an unknown name as for a wrong password, so neither
   * the answer nor its timing tells which names exist.
   */
  async authenticatePassword(
    name: string,
    password: string,
  ): Promise<AuthenticatedOperator | null> {
    const record = this.records.find((candidate) => candidate.name === name);
    if (record === undefined) {
      await verifyPassword(password, await this.dummyPasswordHash());
      return null;
    }
    return (await verifyPassword(password, record.passwordHash)) ? identity(record) : null;
  }

  /**
   * First start: with no operators yet, creates the platform admin `admin`
   * whose token is the existing `DATA/operator-token`, so scripts written
   * before operators existed keep working. Returns its new password (for the
   * first-start message, shown once); does nothing when operators exist.
   */
  async bootstrapAdmin(
    existingToken: string,
  ): Promise<{ created: false } | { created: true; password: string }> {
    if (existingToken.trim() === "") throw new Error("bootstrapAdmin: the operator token is empty");
    if (this.records.length > 0) return { created: false };
    const password = generatePassword();
    const passwordHash = await hashPassword(password, this.passwordParams);
    const result = await this.change((records) => {
      if (records.length > 0) return err("operators exist");
      const at = this.now().toISOString();
      const record: OperatorRecord = {
        name: BOOTSTRAP_ADMIN_NAME,
        role: "admin",
        scope: null,
        email: null,
        tokenHash: hashApiToken(existingToken.trim()),
        passwordHash,
        credentialId: newCredentialId(),
        createdAt: at,
        secretsIssuedAt: at,
      };
      return ok({ records: [record], answer: undefined });
    });
    return result.ok ? { created: true, password } : { created: false };
  }

  private async issueSecrets(): Promise<IssuedSecrets> {
    const token = generateApiToken();
    const password = generatePassword();
    const passwordHash = await hashPassword(password, this.passwordParams);
    return {
      token,
      password,
      stored: { tokenHash: hashApiToken(token), passwordHash, credentialId: newCredentialId() },
    };
  }

  private dummyPasswordHash(): Promise<string> {
    this.dummyHash ??= hashPassword(generatePassword(), this.passwordParams);
    return this.dummyHash;
  }

  /**
   * Runs one change after the ones before it: `plan` decides from the
   * current records, the result is saved, and only then does memory move.
   * A save that throws rejects the call and changes nothing.
   */
  private change<T>(
    plan: (
      records: readonly OperatorRecord[],
    ) => Result<{ records: readonly OperatorRecord[]; answer: T }>,
  ): Promise<Result<T>> {
    const run = async (): Promise<Result<T>> => {
      const planned = plan(this.records);
      if (!planned.ok) return planned;
      await this.persistence.save(planned.value.records);
      this.replace(planned.value.records);
      return ok(planned.value.answer);
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private replace(records: readonly OperatorRecord[]): void {
    this.records = records;
    this.byTokenHash = new Map(records.map((record) => [record.tokenHash, record]));
  }
}

interface IssuedSecrets {
  token: string;
  password: string;
  stored: Pick<OperatorRecord, "tokenHash" | "passwordHash" | "credentialId">;
}

function issued(record: OperatorRecord, secrets: IssuedSecrets): IssuedOperator {
  return {
    name: record.name,
    role: record.role,
    scope: record.scope,
    email: record.email,
    token: secrets.token,
    password: secrets.password,
  };
}

function newCredentialId(): string {
  return randomBytes(12).toString("base64url");
}
