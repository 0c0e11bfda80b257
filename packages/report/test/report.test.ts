import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { type EvaluationRecord, KernelForgeError, type PolicyCheckpointRecord } from "@kernelforge/core";
import { describe, expect, it } from "vitest";
import { CHART_FILES, summarizeRun, writeRunReport } from "../src/index.js";
import { groupedBarChart } from "../src/report/svg/grouped-bar-chart.js";
import { niceTicks } from "../src/report/svg/scale.js";
import { fakeCandidate, makeRecord, makeResult, makeRun, RUN_ID, xmlProblems } from "./fixtures.js";

const BIG = "hgemm.f16f32.nn.4096x4096x4096.sm90";
const SKINNY = "hgemm.f16f32.linear.16x4096x4096.sm90";
const FAILING = "hgemm.f16f32.nn.128x11008x4096.sm90";

const at = (minute: number) => `2025-01-01T10:0${minute}:00.000Z`;

/** Two rounds over three tasks; every figure is made up (fixture data). */
function fixture(measurement: "estimated" | "measured" = "estimated"): {
  evaluations: EvaluationRecord[];
  checkpoints: PolicyCheckpointRecord[];
} {
  const c1 = fakeCandidate(BIG, "c1");
  const c2 = fakeCandidate(BIG, "c2");
  const c3 = fakeCandidate(BIG, "c3");
  const c4 = fakeCandidate(SKINNY, "c4");
  const c5 = fakeCandidate(SKINNY, "c5");
  const c6 = fakeCandidate(FAILING, "c6");
  const c7 = fakeCandidate(FAILING, "c7");
  const c8 = fakeCandidate(FAILING, "c8");
  const device = { deviceMilliseconds: 6000, measurement };
  const evaluations = [
    makeRecord({
      candidate: c1,
      round: 0,
      reward: 0.2,
      archivedAt: at(0),
      result: makeResult(c1, {
        ...device,
        median: { cold: 1200, hot: 1100 },
        cold: { cublas: 1.1, "cublaslt-heuristic": 1.05, "cublaslt-autotuned": 0.95 },
        hot: { cublas: 1.3, "cublaslt-heuristic": 1.1, "cublaslt-autotuned": 1.0 },
      }),
    }),
    makeRecord({
      candidate: c4,
      round: 0,
      reward: 0.6,
      archivedAt: at(1),
      result: makeResult(c4, {
        ...device,
        median: { cold: 20, hot: 15 },
        cold: { cublas: 2.0, "cublaslt-heuristic": 1.8, "cublaslt-autotuned": 1.6 },
        hot: { cublas: 1.5, "cublaslt-heuristic": 1.4, "cublaslt-autotuned": 1.3 },
      }),
    }),
    makeRecord({
      candidate: c6,
      round: 0,
      reward: -1,
      archivedAt: at(2),
      result: makeResult(c6, {
        ...device,
        status: "compile_error",
        reasonCode: "compile_error",
        reason: "error: identifier | unknown",
      }),
    }),
    makeRecord({
      candidate: c2,
      round: 1,
      reward: 0.5,
      archivedAt: at(3),
      result: makeResult(c2, {
        ...device,
        median: { cold: 1000, hot: 950 },
        cold: { cublas: 1.37, "cublaslt-heuristic": 1.3, "cublaslt-autotuned": 1.21 },
        hot: { cublas: 1.25, "cublaslt-heuristic": 1.2, "cublaslt-autotuned": 1.15 },
      }),
    }),
    makeRecord({
      candidate: c3,
      round: 1,
      reward: 0,
      archivedAt: at(4),
      result: makeResult(c3, {
        ...device,
        cold: { cublas: 5.5, "cublaslt-heuristic": 5.2, "cublaslt-autotuned": 4.5 },
        hot: { cublas: 5.5, "cublaslt-heuristic": 5.2, "cublaslt-autotuned": 4.5 },
        suspect: "4.50x the best baseline exceeds the review threshold 3x",
      }),
    }),
    makeRecord({
      candidate: c5,
      round: 1,
      reward: -0.5,
      archivedAt: at(5),
      result: makeResult(c5, {
        ...device,
        status: "wrong",
        reasonCode: "wrong_result",
        reason: "relative error 0.3",
      }),
    }),
    makeRecord({
      candidate: c7,
      round: 1,
      reward: -0.5,
      archivedAt: at(6),
      result: makeResult(c7, {
        ...device,
        status: "wrong",
        reasonCode: "wrong_result",
        reason: "relative error 2",
      }),
    }),
    makeRecord({
      candidate: c8,
      round: 1,
      reward: -0.5,
      archivedAt: at(8),
      result: makeResult(c8, {
        ...device,
        status: "wrong",
        reasonCode: "unwritten_output",
        reason: "12 elements left unwritten",
      }),
    }),
  ];
  const checkpoints: PolicyCheckpointRecord[] = [
    {
      runId: RUN_ID,
      round: 0,
      checkpoint: { trainer: "grpo", apiVersion: "v1", version: "policy-1", state: {} },
      report: { steps: 4, metrics: { loss: 0.123456, kl: 0.01 }, version: "policy-1" },
      createdAt: at(2),
    },
  ];
  return { evaluations, checkpoints };
}

async function outDir(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), "kforge-report-"));
}

function run(measurement: "estimated" | "measured" = "estimated") {
  return makeRun({ measurement, taskKeys: [BIG, SKINNY, FAILING] });
}

describe("writeRunReport", () => {
  it("writes report.md and well-formed standalone SVG charts", async () => {
    const dir = await outDir();
    const { evaluations, checkpoints } = fixture("measured");
    const { files } = await writeRunReport({ run: run("measured"), evaluations, checkpoints, outDir: dir });
    expect(files.map((file) => path.basename(file)).sort()).toEqual(
      ["report.md", ...Object.values(CHART_FILES)].sort(),
    );
    for (const file of files.filter((name) => name.endsWith(".svg"))) {
      const svg = await readFile(file, "utf8");
      expect(xmlProblems(svg), file).toEqual([]);
      expect(svg).toContain("<title");
      expect(svg).not.toContain("estimated");
      expect(svg).not.toMatch(/NaN|Infinity|undefined/);
    }
    const bars = await readFile(path.join(dir, CHART_FILES.speedupCold), "utf8");
    expect(bars).toContain("4096×4096×4096 nn");
    expect(bars).toContain("cublaslt-autotuned");
    expect(bars).toContain("1.0× (parity)");
    const markdown = await readFile(path.join(dir, "report.md"), "utf8");
    for (const chart of Object.values(CHART_FILES)) expect(markdown).toContain(`](${chart})`);
    expect(markdown).not.toMatch(/NaN|Infinity|undefined/);
  });

  it("reports the figures of its input", async () => {
    const dir = await outDir();
    const { evaluations, checkpoints } = fixture("measured");
    await writeRunReport({
      run: { ...run("measured"), usage: { requests: 10, inputTokens: 52_000, outputTokens: 16_000 } },
      evaluations,
      checkpoints,
      outDir: dir,
      title: "Fixture run",
    });
    const markdown = await readFile(path.join(dir, "report.md"), "utf8");
    const c2 = evaluations[3]?.candidate.id as string;
    expect(markdown).toMatch(/^# Fixture run\n/);
    expect(markdown).toContain("- **Status:** finished");
    expect(markdown).toContain("- **Measurement:** measured");
    expect(markdown).toContain("- **Rounds:** 2, **group size:** 4, **seed:** 7");
    // Per-baseline bests may come from different candidates (hot vs cuBLAS: c1's 1.30); the suspect 5.5× never counts.
    expect(markdown).toContain(
      `| 4096×4096×4096 | nn | 3 | 3 (1 suspect) | 1.37× | 1.30× | 1.21× | 1.30× | 1.20× | 1.15× | \`${c2}\` | 1000.0 / 950.0 | 137.4 / 144.7 |`,
    );
    expect(markdown).toContain(
      "| 16×4096×4096 | linear | 2 | 1 | 2.00× | 1.80× | 1.60× | 1.50× | 1.40× | 1.30× |",
    );
    expect(markdown).toContain("| 128×11008×4096 | nn | 3 | 0 | – | – | – | – | – | – | none | – | – |");
    // Geometric means: cold vs cuBLAS √(1.37 · 2) = 1.66, vs best baseline √(1.21 · 1.6) = 1.39.
    expect(markdown).toContain(
      "| cold | 1.66× (2 tasks) | 1.53× (2 tasks) | 1.39× (2 tasks) | 1.39× (2 tasks) |",
    );
    expect(markdown).toContain("| ok | 4 | 50.0% |");
    expect(markdown).toContain("| wrong | 3 | 37.5% |");
    expect(markdown).toContain("8 candidates evaluated; 1 `ok` result(s) flagged suspect.");
    expect(markdown).toMatch(/\| wrong \| `wrong_result` \| 2 \|/);
    expect(markdown).toContain("error: identifier \\| unknown");
    expect(markdown).toContain("4.50x the best baseline exceeds the review threshold 3x");
    expect(markdown).toContain("- **Candidates per minute:** 1.0");
    expect(markdown).toContain("- **Device busy:** 10.0%");
    // 16,000 output tokens over the 8 evaluated candidates.
    expect(markdown).toContain(
      "10 requests, 52000 tokens in, 16000 tokens out (2000 out per evaluated candidate)",
    );
    expect(markdown).toContain("| 0 | 3 | 2 | 1.23× | -0.067 |");
    expect(markdown).toContain("| 1 | 5 | 2 | 1.39× | -0.200 |");
    expect(markdown).toContain("| 0 | policy-1 | grpo | 4 | loss 0.1235, kl 0.0100 |");
    expect(markdown).not.toContain("Estimated run");
  });

  it("excludes suspect results from every best speedup", () => {
    const { evaluations } = fixture("measured");
    const summary = summarizeRun({ run: run("measured"), evaluations });
    const big = summary.tasks[0];
    expect(big?.bestSpeedups.cold.best).toBe(1.21);
    expect(big?.best?.record.candidate.id).toBe(evaluations[3]?.candidate.id);
    expect(summary.suspects.map((record) => record.candidate.id)).toEqual([evaluations[4]?.candidate.id]);
    expect(summary.rounds.map((round) => round.bestSoFarGeomean?.toFixed(4))).toEqual(["1.2329", "1.3914"]);
  });

  it("labels every file of an estimated run", async () => {
    const dir = await outDir();
    const { evaluations } = fixture("estimated");
    const { files } = await writeRunReport({ run: run("estimated"), evaluations, outDir: dir });
    const markdown = await readFile(path.join(dir, "report.md"), "utf8");
    expect(markdown).toMatch(
      /> \*\*Estimated run: every time in this report is a model estimate, not a measurement/,
    );
    expect(markdown).toContain("Never compare these figures with measured results");
    for (const file of files.filter((name) => name.endsWith(".svg"))) {
      const svg = await readFile(file, "utf8");
      expect(svg, file).toMatch(/<title id="chart-title">[^<]*\(estimated\)<\/title>/);
      expect(xmlProblems(svg)).toEqual([]);
    }
  });

  it("refuses to combine measured and estimated results", async () => {
    const { evaluations } = fixture("estimated");
    const first = evaluations[0] as EvaluationRecord;
    const mixed = [
      { ...first, result: { ...first.result, measurement: "measured" as const } },
      ...evaluations.slice(1),
    ];
    const attempt = writeRunReport({ run: run("estimated"), evaluations: mixed, outDir: await outDir() });
    await expect(attempt).rejects.toBeInstanceOf(KernelForgeError);
    await expect(attempt).rejects.toMatchObject({
      code: "mixed_measurements",
      hint: expect.stringMatching(/never/),
    });
    // A measured run whose evaluations are all estimated is mixed too.
    await expect(
      writeRunReport({ run: run("measured"), evaluations, outDir: await outDir() }),
    ).rejects.toMatchObject({
      code: "mixed_measurements",
    });
    const foreign = [{ ...first, runId: "another-run" }];
    await expect(
      writeRunReport({ run: run(), evaluations: foreign, outDir: await outDir() }),
    ).rejects.toMatchObject({
      code: "run_mismatch",
    });
  });

  it("draws charts that say so when there is nothing to plot", async () => {
    for (const evaluations of [[], fixture().evaluations.filter((record) => record.result.status !== "ok")]) {
      const dir = await outDir();
      const { files } = await writeRunReport({ run: run(), evaluations, outDir: dir });
      for (const file of files.filter((name) => name.endsWith(".svg"))) {
        const svg = await readFile(file, "utf8");
        expect(xmlProblems(svg), file).toEqual([]);
        if (!file.endsWith(CHART_FILES.learningCurve) || evaluations.length === 0) expect(svg).toMatch(/No /);
      }
      const markdown = await readFile(path.join(dir, "report.md"), "utf8");
      expect(markdown).toContain("Estimated run");
    }
  });

  it("escapes text in charts", () => {
    const svg = groupedBarChart({
      title: `A <b> & "c" 'd'`,
      yLabel: "speedup",
      categories: ["x<y & z"],
      series: [{ name: "s&t", values: [1.5] }],
      reference: { value: 1, label: "1.0×" },
      emptyMessage: "none",
    });
    expect(xmlProblems(svg)).toEqual([]);
    expect(svg).toContain("A &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos;");
    expect(svg).toContain("x&lt;y &amp; z");
  });

  it("chooses round axis ticks", () => {
    expect(niceTicks(0, 1.5)).toEqual([0, 0.5, 1, 1.5]);
    expect(niceTicks(3, 3, 5, true)).toEqual([2, 3, 4]);
    expect(niceTicks(0, 9, 5, true)).toEqual([0, 2, 4, 6, 8, 10]);
  });
});
