import {
  type EvaluationResult,
  type GemmTask,
  gemmFlops,
  type LaunchDescriptor,
  type SeedCheck,
  taskKey,
} from "@kernelforge/core";
import { Box, Text } from "ink";

const CONTENDERS = ["candidate", "cublas", "cublaslt-heuristic", "cublaslt-autotuned"] as const;

function number(value: number, digits = 1): string {
  return Number.isFinite(value) ? value.toFixed(digits) : "—";
}

function SeedLine({ phase, seed }: { phase: string; seed: SeedCheck }) {
  const guards = Object.entries(seed.guardViolations);
  return (
    <Text color={seed.passed ? undefined : "red"}>
      {seed.passed ? "✔" : "✖"} {phase} seed {seed.seed}: error {seed.relativeError.toExponential(2)}{" "}
      (tolerance {seed.tolerance.toExponential(2)}
      {seed.baselineRelativeError === undefined
        ? ""
        : `, cuBLAS ${seed.baselineRelativeError.toExponential(2)}`}
      ), unwritten {seed.unwrittenElements}
      {guards.length
        ? `, guard damage ${guards.map(([buffer, bytes]) => `${buffer}:${bytes}`).join(" ")}`
        : ""}
    </Text>
  );
}

/** The result of `kforge bench`: the checks, then a timing table per mode against the baselines. */
export function BenchScreen({
  file,
  task,
  entry,
  launch,
  result,
}: {
  file: string;
  task: GemmTask;
  entry: string;
  launch: LaunchDescriptor;
  result: EvaluationResult;
}) {
  const flops = gemmFlops(task);
  return (
    <Box flexDirection="column">
      <Text bold>
        {file} · {entry} · {taskKey(task)}
      </Text>
      <Text dimColor>
        grid {launch.grid.join("×")} block {launch.block.join("×")} smem {launch.dynamicSharedBytes} B
        {launch.cluster ? ` cluster ${launch.cluster.join("×")}` : ""}
        {launch.workspaceBytes
          ? ` workspace ${launch.workspaceBytes} B${launch.zeroWorkspace ? " (zeroed)" : ""}`
          : ""}{" "}
        · {result.environment.device ?? "no device"} · {result.measurement}
      </Text>
      {result.compile ? (
        <Text>
          compile: {result.compile.registers} registers, {result.compile.sharedBytes} B static smem,{" "}
          {result.compile.stackFrameBytes} B stack, spills {result.compile.spillStoreBytes}/
          {result.compile.spillLoadBytes} B{result.compile.cached ? " (cached)" : ""}
        </Text>
      ) : null}
      {result.correctness?.machineCodeAccumulator ? (
        <Text>machine code accumulates in: {result.correctness.machineCodeAccumulator}</Text>
      ) : null}
      {result.correctness?.before.map((seed) => (
        <SeedLine key={`b${seed.seed}`} phase="before" seed={seed} />
      ))}
      {result.correctness?.after.map((seed) => (
        <SeedLine key={`a${seed.seed}`} phase="after" seed={seed} />
      ))}
      {result.correctness ? (
        <Text>integer check mismatches: {result.correctness.integerMismatches}</Text>
      ) : null}
      <Text bold color={result.status === "ok" ? "green" : "red"}>
        {"\n"}status: {result.status}
        {result.reason ? ` — ${result.reason}` : ""}
      </Text>
      {result.suspect ? <Text color="yellow">suspect: {result.suspect.reason}</Text> : null}
      {(["cold", "hot"] as const).map((mode) => {
        const timing = result.timing?.[mode];
        if (!timing) return null;
        const speedups = result.speedups?.[mode];
        return (
          <Box key={mode} flexDirection="column" marginTop={1}>
            <Text bold>{mode}: median µs (p25–p75), TFLOP/s, candidate speedup</Text>
            {CONTENDERS.map((name) => {
              const summary = name === "candidate" ? timing.candidate : timing.baselines[name];
              if (!summary) return null;
              const speedup = name === "candidate" ? undefined : speedups?.perBaseline[name];
              return (
                <Text key={name}>
                  {"  "}
                  {name.padEnd(20)}
                  {number(summary.median, 2).padStart(10)} ({number(summary.p25, 2)}–{number(summary.p75, 2)})
                  {number(flops / (summary.median * 1e-6) / 1e12).padStart(9)}
                  {speedup === undefined ? "" : `   ×${speedup.toFixed(3)}`}
                </Text>
              );
            })}
            {speedups ? (
              <Text>
                {"  "}best baseline: {speedups.best.baseline}, speedup ×{speedups.best.speedup.toFixed(3)}
              </Text>
            ) : null}
          </Box>
        );
      })}
    </Box>
  );
}
