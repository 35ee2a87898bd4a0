import { ok, type Result } from "@tillroll/protocol";
import { auditWho } from "../accounts/audit-identity.js";
import type { Operator } from "../accounts/identity.js";
import type { Filters } from "../fleet/filters.js";
import type { PackRecord } from "../packs/pack-record.js";
import type { OperationsDeps } from "./operations-deps.js";

/** The withdrawn pack's record, and how many rows still have a request for it. */
export type WithdrawResult = PackRecord & { pendingRows: number };

/**
 * Published packs: list, and withdraw a version no new request may name (a bad build).
 * Withdrawing is recorded in the pack index; rows already running the version are untouched
 * and its file stays downloadable for agents that are mid-install.
 */
export class PackAdmin {
  constructor(private readonly deps: Pick<OperationsDeps, "packs" | "audit" | "now" | "fleet">) {}

  /** Published packs (of the functions given), by name, newest version first; withdrawn ones too. */
  async list(filters: Pick<Filters, "function">): Promise<PackRecord[]> {
    const functions = filters.function;
    return (await this.deps.packs.list()).filter(
      (pack) => functions === undefined || functions.includes(pack.name),
    );
  }

  /**
   * Withdraws a pack version. Requests already sent for it are not taken back: the answer
   * counts the rows still on their way to it (`pendingRows`), which the operator may move to
   * another version (or "-") with set-preferred.
   */
  async withdraw(
    ref: { name: string; version: string },
    who: Operator,
  ): Promise<Result<WithdrawResult>> {
    const withdrawn = await this.deps.packs.withdraw(ref, who.name);
    if (!withdrawn.ok) return withdrawn;
    const { name, version, sha256, withdrawnAt } = withdrawn.value;
    const pendingRows = (
      await this.deps.fleet.query({ function: [name], preferredVersion: [version] })
    ).filter((row) => row.activeVersion !== version).length;
    await this.deps.audit.append({
      at: new Date(this.deps.now()).toISOString(),
      who: auditWho(who),
      action: "pack withdraw",
      details: { name, version, sha256, withdrawnAt, pendingRows },
      touched: [`${name}@${version}`],
      skipped: 0,
    });
    return ok({ ...withdrawn.value, pendingRows });
  }
}
