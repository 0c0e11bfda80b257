import type { RunEventBus } from "@kernelforge/core";
import {
  type DashboardState,
  initialDashboardState,
  type RunEventMessage,
  reduceDashboard,
} from "./dashboard-state.js";

/** The dashboard's state kept up to date from a run's event bus, outside any rendering. */
export interface DashboardStore {
  getState(): DashboardState;
  /** Called after every event folded in; returns the function that unsubscribes. */
  subscribe(listener: () => void): () => void;
  /** Stops listening to the bus. */
  close(): void;
}

/**
 * Subscribes to the bus at once, so that no event is lost between starting a run and the first render of its
 * dashboard. `now` stamps each event's arrival (for throughput).
 */
export function createDashboardStore(events: RunEventBus, now: () => number = Date.now): DashboardStore {
  let state = initialDashboardState();
  const listeners = new Set<() => void>();
  const unsubscribe = events.onAny((type, payload) => {
    state = reduceDashboard(state, { type, payload } as RunEventMessage, now());
    for (const listener of [...listeners]) listener();
  });
  return {
    getState: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      unsubscribe();
      listeners.clear();
    },
  };
}
