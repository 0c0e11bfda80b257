import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createGemmTask, type PolicyGroup } from "@kernelforge/core";
import { describe, expect, it } from "vitest";
import { candidate } from "../testing/fixtures.js";
import { appendTrajectoryJsonl, defaultCompletion, toJsonl, trajectoryRecords } from "./trajectory.js";

const task = createGemmTask({ m: 64, n: 4096, k: 4096 });

function llmGroup(): PolicyGroup {
  const kernels = [
    candidate(
      task,
      "__global__ void a() {}",
      { policy: "model@1", choices: {}, logProbability: -12.5 },
      {
        prompt: "Write a fast kernel.",
        commentary: "Tile 128×64 with cp.async.",
      },
    ),
    candidate(task, "__global__ void b() {}", undefined, { prompt: "Write a fast kernel." }),
    candidate(task, "__global__ void c() {}"),
  ];
  return {
    task,
    groupId: "g-1",
    samples: kernels.map((kernel, index) => ({
      candidate: kernel,
      advantage: {
        candidateId: kernel.id,
        groupId: "g-1",
        reward: [0.2, -3, 0][index] as number,
        advantage: [1, -1, 0][index] as number,
      },
    })),
  };
}

describe("trajectory export", () => {
  it("writes one record per completion with its prompt, reward and advantage", () => {
    const group = llmGroup();
    const first = group.samples[0]?.candidate;
    const { records, withoutPrompt } = trajectoryRecords(group, {
      rewards: [
        { candidateId: first?.id as string, taskKey: "t", reward: 0.2, basis: "speedup", components: {} },
      ],
    });
    expect(withoutPrompt).toBe(1);
    expect(records).toEqual([
      {
        group_id: "g-1",
        task_key: "hgemm.f16f32.nn.64x4096x4096.sm90",
        prompt: "Write a fast kernel.",
        completion: "Tile 128×64 with cp.async.\n\n```cuda\n__global__ void a() {}\n```",
        reward: 0.2,
        advantage: 1,
        candidate_id: first?.id,
        basis: "speedup",
        generator: "test",
        policy: "model@1",
        log_probability: -12.5,
      },
      expect.objectContaining({
        prompt: "Write a fast kernel.",
        completion: "```cuda\n__global__ void b() {}\n```",
        reward: -3,
        advantage: -1,
      }),
    ]);
    const custom = trajectoryRecords(group, {
      prompt: "P",
      completion: (kernel) => kernel.source.length.toString(),
    });
    expect(custom.records.map((record) => [record.prompt, record.completion])).toEqual([
      ["P", "22"],
      ["P", "22"],
      ["P", "22"],
    ]);
    expect(defaultCompletion(group.samples[2]?.candidate as never)).toBe(
      "```cuda\n__global__ void c() {}\n```",
    );
  });

  it("serializes as JSON Lines and appends to a file", async () => {
    const { records } = trajectoryRecords(llmGroup());
    const text = toJsonl(records);
    expect(text.split("\n")).toHaveLength(3);
    expect(text.endsWith("\n")).toBe(true);
    expect(
      text
        .split("\n")
        .slice(0, 2)
        .map((line) => JSON.parse(line)),
    ).toEqual(records);
    const directory = await mkdtemp(path.join(tmpdir(), "grpo-trajectory-"));
    try {
      const file = path.join(directory, "nested", "trajectories.jsonl");
      await appendTrajectoryJsonl(file, records);
      await appendTrajectoryJsonl(file, records.slice(0, 1));
      await appendTrajectoryJsonl(file, []);
      const lines = (await readFile(file, "utf8")).trimEnd().split("\n");
      expect(lines.map((line) => JSON.parse(line).completion)).toEqual([
        records[0]?.completion,
        records[1]?.completion,
        records[0]?.completion,
      ]);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
