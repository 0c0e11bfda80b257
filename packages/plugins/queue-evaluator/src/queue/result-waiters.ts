interface Waiting<Value> {
  promise: Promise<Value>;
  resolve: (value: Value) => void;
  reject: (error: unknown) => void;
  /** Callers waiting on this id. */
  holders: number;
  timer?: NodeJS.Timeout;
}

/**
 * Callers waiting for values keyed by id (job results keyed by candidate id). Delivery is at least once, so a
 * value may arrive more than once: the first settles every caller waiting for the id, and any later one, or
 * one nobody waits for, is dropped and counted. Callers asking for an id already awaited share the wait.
 */
export class ResultWaiters<Value> {
  readonly #waiting = new Map<string, Waiting<Value>>();
  #dropped = 0;

  /** Ids being waited for. */
  get pending(): number {
    return this.#waiting.size;
  }

  /** Values that arrived for an id nobody waited for any more (late duplicates, abandoned waits). */
  get dropped(): number {
    return this.#dropped;
  }

  has(id: string): boolean {
    return this.#waiting.has(id);
  }

  /** Waits for the value of `id`. Call `release(id)` when giving up before it arrives. */
  wait(id: string): Promise<Value> {
    const existing = this.#waiting.get(id);
    if (existing) {
      existing.holders += 1;
      return existing.promise;
    }
    let resolve!: (value: Value) => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<Value>((resolvePromise, rejectPromise) => {
      resolve = resolvePromise;
      reject = rejectPromise;
    });
    // A wait given up on (released) may still be rejected by failAll: nobody listens then.
    promise.catch(() => undefined);
    this.#waiting.set(id, { promise, resolve, reject, holders: 1 });
    return promise;
  }

  /** Delivers the value of `id`; false when nobody waits for it (the value is dropped and counted). */
  settle(id: string, value: Value): boolean {
    const waiting = this.#take(id);
    if (!waiting) {
      this.#dropped += 1;
      return false;
    }
    waiting.resolve(value);
    return true;
  }

  /** Fails the callers waiting for `id`; false when there are none. */
  fail(id: string, error: unknown): boolean {
    const waiting = this.#take(id);
    waiting?.reject(error);
    return waiting !== undefined;
  }

  /** Fails every caller still waiting. */
  failAll(error: unknown): void {
    for (const id of [...this.#waiting.keys()]) this.fail(id, error);
  }

  /**
   * (Re)starts the deadline of `id`: unless a value arrives within `milliseconds`, the callers get
   * `onTimeout()` instead. Restarting replaces the previous deadline.
   */
  startClock(id: string, milliseconds: number, onTimeout: () => Value): void {
    const waiting = this.#waiting.get(id);
    if (!waiting) return;
    clearTimeout(waiting.timer);
    waiting.timer = setTimeout(() => this.settle(id, onTimeout()), milliseconds);
    waiting.timer.unref();
  }

  /** One caller gives up on `id`; once none is left the id is no longer awaited. True when it was the last. */
  release(id: string): boolean {
    const waiting = this.#waiting.get(id);
    if (!waiting) return false;
    waiting.holders -= 1;
    if (waiting.holders > 0) return false;
    this.#take(id);
    return true;
  }

  #take(id: string): Waiting<Value> | undefined {
    const waiting = this.#waiting.get(id);
    if (!waiting) return undefined;
    this.#waiting.delete(id);
    clearTimeout(waiting.timer);
    return waiting;
  }
}
