/** A listener for one event type. */
export type EventListener<Payload> = (payload: Payload) => void;

/** A listener for every event: receives the type and the payload. */
export type AnyEventListener<Events> = <Type extends keyof Events>(type: Type, payload: Events[Type]) => void;

export interface EventBusOptions {
  /** Called when a listener throws; the event still reaches the other listeners. Default: a process warning. */
  onListenerError?: (error: unknown, type: string) => void;
}

/**
 * A small synchronous, typed publish/subscribe bus. Publishers do not know their subscribers; a subscriber
 * that throws cannot break the publisher or the other subscribers.
 */
export class EventBus<Events extends object> {
  readonly #listeners = new Map<keyof Events, Set<EventListener<never>>>();
  readonly #anyListeners = new Set<AnyEventListener<Events>>();
  readonly #onListenerError: (error: unknown, type: string) => void;

  constructor(options: EventBusOptions = {}) {
    this.#onListenerError =
      options.onListenerError ??
      ((error, type) => {
        process.emitWarning(
          `listener for "${type}" threw: ${error instanceof Error ? error.message : String(error)}`,
        );
      });
  }

  /** Subscribes to one event type; returns the function that unsubscribes. */
  on<Type extends keyof Events>(type: Type, listener: EventListener<Events[Type]>): () => void {
    let set = this.#listeners.get(type);
    if (!set) {
      set = new Set();
      this.#listeners.set(type, set);
    }
    set.add(listener as EventListener<never>);
    return () => set.delete(listener as EventListener<never>);
  }

  /** Subscribes to every event; returns the function that unsubscribes. */
  onAny(listener: AnyEventListener<Events>): () => void {
    this.#anyListeners.add(listener);
    return () => this.#anyListeners.delete(listener);
  }

  emit<Type extends keyof Events>(type: Type, payload: Events[Type]): void {
    for (const listener of [...(this.#listeners.get(type) ?? [])]) {
      try {
        (listener as EventListener<Events[Type]>)(payload);
      } catch (error) {
        this.#onListenerError(error, String(type));
      }
    }
    for (const listener of [...this.#anyListeners]) {
      try {
        listener(type, payload);
      } catch (error) {
        this.#onListenerError(error, String(type));
      }
    }
  }

  /** Number of listeners for a type (both kinds), for diagnostics. */
  listenerCount(type: keyof Events): number {
    return (this.#listeners.get(type)?.size ?? 0) + this.#anyListeners.size;
  }
}
