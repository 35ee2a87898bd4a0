import type { Result } from "@tillroll/protocol";
import type { PackSource } from "../../packs/pack-http.js";
import type { PackRecord } from "../../packs/pack-record.js";
import type { PackStore } from "../../packs/pack-store.js";
import type { PackRecords, PackRef } from "../pack-records.js";

/** PackRecords over `packs/index.json` and the pack files beside it (PackStore). */
export class JsonPacks implements PackRecords {
  readonly downloads: PackSource;
  readonly maxBytes: number;

  constructor(private readonly packs: PackStore) {
    this.downloads = packs;
    this.maxBytes = packs.limits.maxBytes;
  }

  publish(filePath: string): Promise<Result<PackRecord>> {
    return this.packs.publish(filePath);
  }

  withdraw(ref: PackRef, by: string): Promise<Result<PackRecord>> {
    return this.packs.withdraw(ref.name, ref.version, by);
  }

  async list(name?: string): Promise<PackRecord[]> {
    return this.packs.list(name);
  }

  async get(ref: PackRef): Promise<PackRecord | undefined> {
    return this.packs.get(ref.name, ref.version);
  }

  async bySha256(sha256: string): Promise<PackRecord | undefined> {
    return this.packs.bySha256(sha256);
  }
}
