import {
  err,
  groupSchema,
  ok,
  type Result,
  storeIdSchema,
  validate,
  workstationIdSchema,
} from "@tillroll/protocol";
import type { Operator } from "../accounts/identity.js";
import { checkChangeScope } from "../accounts/scope.js";
import { generateSecret, hashSecretAsync } from "../broker/credentials.js";
import { type WorkstationRecord, wsKey } from "../state/coordinator-state.js";
import { enrolmentOf, mosquittoLinesOf } from "./enrolment.js";
import {
  type EnrolInput,
  type EnrolResult,
  isoNow,
  type OperationsDeps,
  recordAction,
} from "./operations-deps.js";

/** Enrolment: checked whole, scoped, hashed off the loop, one durable write, audited. */
export class Enrolling {
  constructor(private readonly deps: OperationsDeps) {}

  async enrol(input: EnrolInput, who: Operator): Promise<Result<EnrolResult>> {
    const enrolled = await this.enrolMany([input], who);
    return enrolled.ok ? ok(enrolled.value[0] as EnrolResult) : enrolled;
  }

  /**
   * Enrols many workstations at once (a store roll-out, a simulator): all
   * are checked first and either all are enrolled, with one durable write,
   * or none is, with the first problem named.
   */
  async enrolMany(inputs: readonly EnrolInput[], who: Operator): Promise<Result<EnrolResult[]>> {
    const checked: { store: string; workstation: string; group: string | null }[] = [];
    const seen = new Set<string>();
    for (const [index, input] of inputs.entries()) {
      const where = inputs.length > 1 ? `workstations.${index}.` : "";
      const store = validate(storeIdSchema, input.store);
      if (!store.ok) return err(`${where}store: ${store.error}`);
      const workstation = validate(workstationIdSchema, input.workstation);
      if (!workstation.ok) return err(`${where}workstation: ${workstation.error}`);
      const group =
        input.group === undefined || input.group === null
          ? ok(null)
          : validate(groupSchema, input.group);
      if (!group.ok) return err(`${where}group: ${group.error}`);
      const key = wsKey({ store: store.value, workstation: workstation.value });
      if (
        seen.has(key) ||
        (await this.deps.workstations.get({
          store: store.value,
          workstation: workstation.value,
        })) !== undefined
      )
        return err(`workstation ${key} is already enrolled`);
      seen.add(key);
      checked.push({ store: store.value, workstation: workstation.value, group: group.value });
    }
    // Scope (issue 9): a partner admin enrols only into its own groups, all or none.
    const inScope = checkChangeScope(who, checked);
    if (!inScope.ok) return inScope;
    const results: EnrolResult[] = [];
    const records: WorkstationRecord[] = [];
    for (const ws of checked) {
      const password = generateSecret();
      const posPassword = generateSecret();
      const [agentSecretHash, posSecretHash] = await Promise.all([
        hashSecretAsync(password),
        hashSecretAsync(posPassword),
      ]);
      const mosquittoLines = mosquittoLinesOf(ws, password, posPassword);
      records.push({
        ...ws,
        agentSecretHash,
        posSecretHash,
        enrolledAt: isoNow(this.deps),
        mosquittoLines,
      });
      results.push(enrolmentOf(this.deps, ws, password, posPassword));
    }
    // Checked again by the store: another enrolment may have landed while hashing.
    const enrolled = await this.deps.workstations.enrol(records);
    if (!enrolled.ok) return err(`workstation ${wsKey(enrolled.taken)} is already enrolled`);
    await recordAction(
      this.deps,
      who,
      "workstation add",
      { count: checked.length, first: checked[0] ?? null },
      [...seen],
      0,
    );
    return ok(results);
  }
}
