import { describe, expect, it } from "vitest";
import { describeWorker } from "./worker-registry.js";

describe("describeWorker", () => {
  it("says in one line what a worker has, how busy it is and when it was last seen", () => {
    const line = describeWorker(
      {
        id: "gpu-7-4242",
        hostname: "gpu-7",
        devices: ["NVIDIA H200 (GPU 0)", "NVIDIA H200 (GPU 0)", "NVIDIA H100 (GPU 2)"],
        measurement: "measured",
        evaluator: "nvcc-evaluator",
        slots: 18,
        busy: 5,
        completed: 340,
        version: "0.1.0",
        startedAt: "2026-11-21T10:00:00.000Z",
        lastSeenAt: "2026-11-21T10:05:00.000Z",
      },
      Date.parse("2026-11-21T10:05:03.000Z"),
    );
    expect(line).toBe(
      "gpu-7-4242: 2× NVIDIA H200 (GPU 0), NVIDIA H100 (GPU 2), 5/18 busy, 340 done, measured, nvcc-evaluator 0.1.0, seen 3 s ago",
    );
  });
});
