import type { Operator } from "../../src/accounts/identity.js";
import type { OperatorPersistence, OperatorRecord } from "../../src/accounts/operator-record.js";
import type { Role } from "../../src/accounts/roles.js";
import type { ScryptParams } from "../../src/accounts/secrets.js";

/** Cheap scrypt for tests that are about the directory, not about the hash's cost. */
export const FAST_SCRYPT: ScryptParams = { N: 1024, r: 8, p: 1 };

export function op(role: Role, scope: string | null = null, name = `${role}-1`): Operator {
  return { name, role, scope };
}

/** Persistence in memory, with a switch to make the next saves fail (disk full). */
export class MemoryPersistence implements OperatorPersistence {
  saved: OperatorRecord[][] = [];
  failSaves = false;

  constructor(private records: OperatorRecord[] = []) {}

  async load(): Promise<OperatorRecord[]> {
    return structuredClone(this.records);
  }

  async save(records: readonly OperatorRecord[]): Promise<void> {
    if (this.failSaves) throw new Error("ENOSPC: no space left on device");
    this.records = structuredClone([...records]);
    this.saved.push(this.records);
  }

  get current(): OperatorRecord[] {
    return this.records;
  }
}

/** A clock tests move by hand. */
export function fakeClock(start = Date.parse("2026-11-30T08:00:00Z")) {
  let now = start;
  return {
    now: () => now,
    date: () => new Date(now),
    advance(ms: number) {
      now += ms;
    },
  };
}
