/**
 * Runs tasks one at a time, in call order; a failed task does not fail those queued after
 * it. The PostgreSQL stores write through it so their memory mirror is changed in the
 * same order as the database.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves once every task queued so far has settled. */
  async idle(): Promise<void> {
    await this.tail;
  }
}
