import { describe, expect, it } from "vitest";
import { ResultWaiters } from "./result-waiters.js";

describe("ResultWaiters", () => {
  it("settles every caller waiting for an id with the first value, and drops later ones", async () => {
    const waiters = new ResultWaiters<string>();
    const first = waiters.wait("a");
    const second = waiters.wait("a");
    expect(waiters.pending).toBe(1);
    expect(waiters.settle("a", "result")).toBe(true);
    expect(waiters.settle("a", "duplicate")).toBe(false);
    expect(await first).toBe("result");
    expect(await second).toBe("result");
    expect(waiters.dropped).toBe(1);
    expect(waiters.pending).toBe(0);
  });

  it("drops values nobody waits for", () => {
    const waiters = new ResultWaiters<number>();
    expect(waiters.settle("unknown", 1)).toBe(false);
    expect(waiters.dropped).toBe(1);
  });

  it("forgets an id only when its last caller gives up", async () => {
    const waiters = new ResultWaiters<string>();
    const kept = waiters.wait("a");
    void waiters.wait("a");
    expect(waiters.release("a")).toBe(false);
    expect(waiters.has("a")).toBe(true);
    expect(waiters.settle("a", "value")).toBe(true);
    expect(await kept).toBe("value");
    void waiters.wait("b");
    expect(waiters.release("b")).toBe(true);
    expect(waiters.settle("b", "late")).toBe(false);
  });

  it("gives the timeout value when nothing arrives in time, and restarting the clock postpones it", async () => {
    const waiters = new ResultWaiters<string>();
    const outcome = waiters.wait("a");
    waiters.startClock("a", 30, () => "timeout");
    await new Promise((resolve) => setTimeout(resolve, 20));
    waiters.startClock("a", 30, () => "timeout after restart");
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(waiters.has("a")).toBe(true);
    expect(await outcome).toBe("timeout after restart");
    const fast = waiters.wait("b");
    waiters.startClock("b", 50, () => "timeout");
    waiters.settle("b", "in time");
    expect(await fast).toBe("in time");
  });

  it("fails one id or every id", async () => {
    const waiters = new ResultWaiters<string>();
    const a = waiters.wait("a");
    const b = waiters.wait("b");
    const c = waiters.wait("c");
    expect(waiters.fail("a", new Error("redis went away"))).toBe(true);
    await expect(a).rejects.toThrow("redis went away");
    waiters.failAll(new Error("closed"));
    await expect(b).rejects.toThrow("closed");
    await expect(c).rejects.toThrow("closed");
    expect(waiters.pending).toBe(0);
  });
});
