import { describe, expect, it } from "vitest";
import { EventBus } from "./event-bus.js";

interface Events {
  ping: { count: number };
  pong: { text: string };
}

describe("EventBus", () => {
  it("delivers typed events to their listeners and to any-listeners, and unsubscribes", () => {
    const bus = new EventBus<Events>();
    const seen: string[] = [];
    const off = bus.on("ping", (payload) => seen.push(`ping ${payload.count}`));
    bus.onAny((type, payload) => seen.push(`any ${String(type)} ${JSON.stringify(payload)}`));
    bus.emit("ping", { count: 1 });
    off();
    bus.emit("ping", { count: 2 });
    bus.emit("pong", { text: "x" });
    expect(seen).toEqual(["ping 1", 'any ping {"count":1}', 'any ping {"count":2}', 'any pong {"text":"x"}']);
  });

  it("keeps delivering when a listener throws, and reports the error", () => {
    const errors: string[] = [];
    const bus = new EventBus<Events>({
      onListenerError: (error, type) => errors.push(`${type}: ${(error as Error).message}`),
    });
    const seen: number[] = [];
    bus.on("ping", () => {
      throw new Error("broken subscriber");
    });
    bus.on("ping", (payload) => seen.push(payload.count));
    bus.emit("ping", { count: 7 });
    expect(seen).toEqual([7]);
    expect(errors).toEqual(["ping: broken subscriber"]);
  });
});
