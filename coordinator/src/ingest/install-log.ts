import { decodePayload, err, ok, type Result } from "@tillroll/protocol";
import type { InstallLogStore } from "../store/install-log-store.js";

/**
 * The `log` topic's ingester: every valid install-log line an agent publishes
 * goes to the install-log store, durably, before the broker acknowledges it
 * (embedded broker), so an agent's outbox lets a line go only once it is kept.
 */
export class InstallLogIngest {
  constructor(private readonly store: InstallLogStore) {}

  /**
   * Keeps a `log` message of workstation `store/workstation`. A payload that
   * is not a valid install-log line is refused (err) and changes nothing; a
   * line already kept (re-sent) is ok(false). A failure to write rejects.
   */
  async onMessage(store: string, workstation: string, payload: Buffer): Promise<Result<boolean>> {
    const decoded = decodePayload("log", payload);
    if (!decoded.ok) return err(decoded.error);
    const line = decoded.value;
    return ok(await this.store.append({ store, workstation, function: line.function }, line));
  }
}
