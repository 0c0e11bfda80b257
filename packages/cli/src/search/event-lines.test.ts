import { describe, expect, it } from "vitest";
import { worker } from "../dashboard/testing/run-events.js";
import { createEventDescriber, describeWorkersChange } from "./event-lines.js";

describe("worker lines of the plain log", () => {
  it("says which workers joined and which are gone, and nothing while the list is unchanged", () => {
    const a = worker("gpu-a-1", ["NVIDIA H200 (GPU 0)"], 0, 17);
    const b = worker("gpu-b-7", ["NVIDIA H200 (GPU 0)"], 0, 17);
    expect(describeWorkersChange(undefined, [a])).toBe("workers: 1 live (17 slots); joined: gpu-a-1");
    expect(describeWorkersChange(["gpu-a-1"], [{ ...a, busy: 5 }])).toBeUndefined();
    expect(describeWorkersChange(["gpu-a-1"], [b])).toBe(
      "workers: 1 live (17 slots); joined: gpu-b-7; gone: gpu-a-1",
    );
    expect(describeWorkersChange(["gpu-a-1"], [])).toBe("workers: 0 live (0 slots); gone: gpu-a-1");
  });

  it("follows the stream of a run", () => {
    const describe = createEventDescriber();
    const update = (ids: string[]) => ({
      evaluator: "queue-evaluator",
      workers: ids.map((id) => worker(id, ["NVIDIA H200 (GPU 0)"], 0, 2)),
    });
    expect(describe("workers-updated", update(["x-1"]))).toBe("workers: 1 live (2 slots); joined: x-1");
    expect(describe("workers-updated", update(["x-1"]))).toBeUndefined();
    expect(describe("workers-updated", update(["x-1", "y-2"]))).toBe(
      "workers: 2 live (4 slots); joined: y-2",
    );
    expect(describe("run-paused", { runId: "r" })).toBe("paused");
  });
});
