import { ok, type Result } from "@tillroll/protocol";
import type { Filters } from "../fleet/filters.js";
import type { PackRecord } from "../packs/pack-record.js";
import type { OperationsDeps } from "./console-operations.js";

/**
 * Published packs: list, and withdraw a version no new request may name (a bad build).
 * Withdrawing is recorded in the pack index; rows already running the version are untouched
 * and its file stays downloadable for agents that are mid-install.
 */
export class PackAdmin {
  constructor(private readonly deps: Pick<OperationsDeps, "packs" | "audit" | "now">) {}

  /** Published packs (of the functions given), by name, newest version first; withdrawn ones too. */
  list(filters: Pick<Filters, "function">): PackRecord[] {
    const functions = filters.function;
    return this.deps.packs
      .list()
      .filter((pack) => functions === undefined || functions.includes(pack.name));
  }

  async withdraw(ref: { name: string; version: string }, who: string): Promise<Result<PackRecord>> {
    const withdrawn = await this.deps.packs.withdraw(ref.name, ref.version, who);
    if (!withdrawn.ok) return withdrawn;
    const { name, version, sha256, withdrawnAt } = withdrawn.value;
    await this.deps.audit.append({
      at: new Date(this.deps.now()).toISOString(),
      who,
      action: "pack withdraw",
      details: { name, version, sha256, withdrawnAt },
      touched: [`${name}@${version}`],
      skipped: 0,
    });
    return ok(withdrawn.value);
  }
}
