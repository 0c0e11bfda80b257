/** Options every contract method accepts. */
export interface CallOptions {
  /**
   * Cancels the call. Implementations stop promptly, release what they hold, and reject with the signal's
   * reason (an `AbortError` when none was given). Work already archived is kept.
   */
  signal?: AbortSignal;
}

/** Throws the signal's reason when it is aborted; call it between steps of long work. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  signal?.throwIfAborted();
}
