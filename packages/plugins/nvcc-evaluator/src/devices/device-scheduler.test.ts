import { KernelForgeError } from "@kernelforge/core";
import { describe, expect, it } from "vitest";
import { DeviceScheduler } from "./device-scheduler.js";

/** A promise and the function that settles it, for holding a device until the test lets go. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("DeviceScheduler", () => {
  it("never gives one device to two holders at once, and keeps every device busy while work waits", async () => {
    const scheduler = new DeviceScheduler(["gpu0", "gpu1"]);
    const holding = new Map<string, number>();
    let mostAtOnce = 0;
    let overlap = false;
    const work = async (device: string) => {
      if (holding.get(device)) overlap = true;
      holding.set(device, 1);
      const held = [...holding.values()].reduce((sum, value) => sum + value, 0);
      mostAtOnce = Math.max(mostAtOnce, held);
      await new Promise((resolve) => setTimeout(resolve, 2 + Math.random() * 3));
      holding.set(device, 0);
      return device;
    };
    const devices = await Promise.all(Array.from({ length: 40 }, () => scheduler.run(work)));
    expect(overlap).toBe(false);
    expect(mostAtOnce).toBe(2);
    const counts = devices.reduce<Record<string, number>>((all, device) => {
      all[device] = (all[device] ?? 0) + 1;
      return all;
    }, {});
    expect(counts.gpu0).toBeGreaterThan(0);
    expect(counts.gpu1).toBeGreaterThan(0);
    expect(scheduler.statistics().map((usage) => usage.completed)).toEqual([counts.gpu0, counts.gpu1]);
    expect(scheduler.statistics().every((usage) => !usage.busy)).toBe(true);
  });

  it("gives a free device that has served the fewest holders, so equal devices share the load", async () => {
    const scheduler = new DeviceScheduler(["a", "b", "c"]);
    // The first holder gets a (nothing served yet: the first in the list) and keeps it; then b and c take
    // turns, each time the one that has served fewer (on a tie, the first in the list).
    const held = gate();
    const aHolder = scheduler.run(async (device) => {
      await held.promise;
      return device;
    });
    const order: string[] = [];
    for (let turn = 0; turn < 4; turn += 1) order.push(await scheduler.run(async (device) => device));
    held.open();
    expect(await aHolder).toBe("a");
    expect(order).toEqual(["b", "c", "b", "c"]);
    // a has served once, b and c twice: a is next.
    expect(await scheduler.run(async (device) => device)).toBe("a");
  });

  it("hands devices to waiters in arrival order", async () => {
    const scheduler = new DeviceScheduler(["only"]);
    const first = gate();
    const started: number[] = [];
    const holders = [0, 1, 2, 3].map((index) =>
      scheduler.run(async () => {
        started.push(index);
        if (index === 0) await first.promise;
      }),
    );
    await tick();
    expect(started).toEqual([0]);
    expect(scheduler.waiting).toBe(3);
    first.open();
    await Promise.all(holders);
    expect(started).toEqual([0, 1, 2, 3]);
  });

  it("frees the device when the work throws", async () => {
    const scheduler = new DeviceScheduler(["gpu0"]);
    await expect(
      scheduler.run(async () => {
        throw new Error("harness exploded");
      }),
    ).rejects.toThrow("harness exploded");
    expect(await scheduler.run(async (device) => device)).toBe("gpu0");
  });

  it("keeps working on the other devices when one is retired", async () => {
    const scheduler = new DeviceScheduler(["gpu0", "gpu1"]);
    scheduler.retire("gpu0", "its harness did not restart");
    const devices = await Promise.all(
      Array.from({ length: 5 }, () => scheduler.run(async (device) => device)),
    );
    expect(new Set(devices)).toEqual(new Set(["gpu1"]));
    expect(scheduler.available).toBe(1);
    expect(scheduler.statistics()[0]).toMatchObject({ retired: "its harness did not restart", completed: 0 });
  });

  it("fails the waiters, and later requests, once the last device is retired", async () => {
    const scheduler = new DeviceScheduler(["gpu0"]);
    const held = gate();
    const holder = scheduler.run(async () => {
      await held.promise;
      return "done";
    });
    const waiter = scheduler.run(async () => "never");
    await tick();
    scheduler.retire("gpu0", "fell off the bus");
    const failure = await waiter.catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(KernelForgeError);
    expect((failure as KernelForgeError).code).toBe("no_device_left");
    expect((failure as KernelForgeError).message).toContain("gpu0: fell off the bus");
    held.open();
    expect(await holder).toBe("done");
    await expect(scheduler.run(async () => "later")).rejects.toMatchObject({ code: "no_device_left" });
  });

  it("lets a waiter go when its signal aborts", async () => {
    const scheduler = new DeviceScheduler(["gpu0"]);
    const held = gate();
    const holder = scheduler.run(() => held.promise);
    const controller = new AbortController();
    const waiter = scheduler.run(async () => "never", controller.signal);
    await tick();
    controller.abort(new Error("stopped"));
    await expect(waiter).rejects.toThrow("stopped");
    expect(scheduler.waiting).toBe(0);
    held.open();
    await holder;
    expect(await scheduler.run(async (device) => device)).toBe("gpu0");
  });
});
