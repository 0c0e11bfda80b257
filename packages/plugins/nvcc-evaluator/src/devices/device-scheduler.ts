import { KernelForgeError } from "@kernelforge/core";

/** What the scheduler knows of one device, for `statistics()`. */
export interface DeviceUsage<Device> {
  device: Device;
  /** A candidate holds the device now. */
  busy: boolean;
  /** Candidates that held the device and let it go. */
  completed: number;
  /** Time the device was held, summed. */
  busyMilliseconds: number;
  /** Why the device was taken out of service, once it was. */
  retired?: string;
}

interface Slot<Device> extends DeviceUsage<Device> {
  position: number;
}

interface Waiter<Device> {
  grant: (slot: Slot<Device>) => void;
  fail: (error: unknown) => void;
}

/**
 * Hands out devices that are used by one holder at a time (a GPU whose timings must not overlap), spreading the
 * work over them: a free device goes to the first waiter in arrival order, and when several are free the one
 * that has served the fewest holders (then the first in the list) is chosen, so equal devices share the load
 * evenly. A device that cannot be used any more is retired; the others carry on, and once none is left every
 * waiter and every later request fails with a KernelForgeError saying why.
 */
export class DeviceScheduler<Device> {
  readonly #slots: Slot<Device>[];
  readonly #waiting: Waiter<Device>[] = [];
  readonly #label: (device: Device) => string;

  constructor(devices: readonly Device[], label: (device: Device) => string = String) {
    if (devices.length === 0) throw new RangeError("a DeviceScheduler needs at least one device");
    this.#slots = devices.map((device, position) => ({
      device,
      position,
      busy: false,
      completed: 0,
      busyMilliseconds: 0,
    }));
    this.#label = label;
  }

  /** Devices in service. */
  get available(): number {
    return this.#slots.filter((slot) => slot.retired === undefined).length;
  }

  /** Holders waiting for a device. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Runs `work` holding one device, and frees the device when it settles (whatever the outcome). */
  async run<Result>(work: (device: Device) => Promise<Result>, signal?: AbortSignal): Promise<Result> {
    const slot = await this.#acquire(signal);
    const started = performance.now();
    try {
      return await work(slot.device);
    } finally {
      slot.busyMilliseconds += performance.now() - started;
      slot.completed += 1;
      this.#release(slot);
    }
  }

  /**
   * Takes a device out of service (its holder, if any, finishes first). When it was the last one, the waiters
   * fail with an error naming every device and why it was retired.
   */
  retire(device: Device, reason: string): void {
    const slot = this.#slots.find((entry) => entry.device === device);
    if (!slot || slot.retired !== undefined) return;
    slot.retired = reason;
    if (this.available === 0) {
      const error = this.#noneLeft();
      for (const waiter of this.#waiting.splice(0)) waiter.fail(error);
    }
  }

  /** Usage of every device, in the order given. */
  statistics(): DeviceUsage<Device>[] {
    return this.#slots.map(({ device, busy, completed, busyMilliseconds, retired }) => ({
      device,
      busy,
      completed,
      busyMilliseconds,
      ...(retired !== undefined ? { retired } : {}),
    }));
  }

  #acquire(signal?: AbortSignal): Promise<Slot<Device>> {
    signal?.throwIfAborted();
    if (this.available === 0) return Promise.reject(this.#noneLeft());
    const free = this.#leastUsedFree();
    if (free) {
      free.busy = true;
      return Promise.resolve(free);
    }
    return new Promise<Slot<Device>>((resolve, reject) => {
      const onAbort = () => {
        const index = this.#waiting.indexOf(waiter);
        if (index >= 0) this.#waiting.splice(index, 1);
        reject(signal?.reason);
      };
      const waiter: Waiter<Device> = {
        grant: (slot) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(slot);
        },
        fail: (error) => {
          signal?.removeEventListener("abort", onAbort);
          reject(error);
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiting.push(waiter);
    });
  }

  #release(slot: Slot<Device>): void {
    slot.busy = false;
    if (slot.retired !== undefined) return;
    const next = this.#waiting.shift();
    if (!next) return;
    // The device just freed is the only free one (a waiter exists only while every device is held).
    slot.busy = true;
    next.grant(slot);
  }

  #leastUsedFree(): Slot<Device> | undefined {
    let best: Slot<Device> | undefined;
    for (const slot of this.#slots) {
      if (slot.busy || slot.retired !== undefined) continue;
      if (!best || slot.completed < best.completed) best = slot;
    }
    return best;
  }

  #noneLeft(): KernelForgeError {
    const reasons = this.#slots.map((slot) => `${this.#label(slot.device)}: ${slot.retired}`).join("; ");
    return new KernelForgeError("no_device_left", `every device was taken out of service (${reasons})`, {
      hint: "Check the GPUs with `nvidia-smi` and `kforge doctor`; a run stopped this way can be resumed with `kforge run --resume`.",
    });
  }
}
