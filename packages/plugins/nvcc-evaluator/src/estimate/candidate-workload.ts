import type { CompileReport, GemmTask, KernelCandidate, LaunchDescriptor } from "@kernelforge/core";
import { stripCommentsAndStrings } from "@kernelforge/gpu-runner";
import type { InstructionClass, KernelWorkload } from "./cost-model.js";

/**
 * Describes a candidate as a workload of the cost model: its tile and split-K from the template generator's
 * design point when the candidate carries one, otherwise from its grid; its occupancy inputs from the ptxas
 * report and the launch; its instruction class from the machine code, or the source when there is none.
 */

/** The SASS instruction counts the model reads (a subset of gpu-runner's SassMathSummary). */
export interface SassCounts {
  matrixF32: number;
  matrixF16: number;
  warpgroupMatrix: number;
}

/** Where the workload's figures came from, reported with the estimate. */
export interface WorkloadSources {
  tile: "design_point" | "grid";
  instruction: "machine_code" | "source";
  registers: "ptxas" | "unknown";
}

/** The class of matrix math in the machine code: HGMMA → wgmma, HMMA → mma, neither → fma. */
export function instructionFromSass(sass: SassCounts): InstructionClass {
  if (sass.warpgroupMatrix > 0) return "wgmma";
  if (sass.matrixF32 + sass.matrixF16 > 0) return "mma";
  return "fma";
}

/**
 * The class of matrix math the source asks for, when there is no machine code to read: `wgmma` instructions,
 * else `mma.sync` / WMMA, else CUDA-core math. Comments and strings other than inline assembly are ignored.
 */
export function instructionFromSource(source: string): InstructionClass {
  const code = stripCommentsAndStrings(source);
  const text = `${code}\n${[...source.matchAll(/asm\s*(?:volatile\s*)?\(\s*"([^"]*)"/g)].map((match) => match[1]).join("\n")}`;
  if (/\bwgmma\b/.test(text)) return "wgmma";
  if (/\bmma\.sync\b|\bwmma::|\bmma_sync\s*\(|\bnvcuda::wmma\b/.test(text)) return "mma";
  return "fma";
}

interface TileFromPoint {
  tileM: number;
  tileN: number;
  splitK: number;
  operandReaders?: { m: number; n: number };
  /** Global load width of A and B, bytes. */
  loadBytes?: number;
  /** Tiles a persistent kernel walks: the model counts them as the blocks of a one-tile-per-block launch. */
  tiles?: number;
}

const numberValue = (values: Record<string, unknown>, name: string): number | undefined => {
  const value = values[name];
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : undefined;
};

/**
 * The tile of a template-generator design point (`provenance.configuration = { family, values, point }`),
 * for the families it knows; undefined for anything else.
 *
 * - `tensor-core-tile`: blockM × blockN, `splitK`, warps warpsM × warpsN each reading their own fragments,
 *   global loads of `loadWidth` bytes.
 * - `skinny`: a block covers `ctaP` rows of the streamed operand (warps per block ÷ warpsK × rows per warp,
 *   by variant: kc-fma warpTile, kc-mma 16·warpTile, pc-fma 64·warpTile, pc-mma 32·warpTile) and all of the
 *   narrow side (padded to 8 for kc-mma, 16 for pc-mma); split-K is `split`, or for the stream schedule the
 *   grid's blocks per tile; global loads of `loadBytes` bytes.
 * - `hopper-warp-specialized`: a persistent kernel; its tile is consumers × consumerRows (cooperative) or
 *   consumerRows (ping-pong) by blockN, read by each consumer warpgroup, loaded by TMA in 16-byte rows, split
 *   `splitK` ways along K; the model counts the (tile, split) units it walks as blocks.
 */
export function tileFromDesignPoint(
  configuration: Record<string, unknown> | undefined,
  task: Pick<GemmTask, "m" | "n" | "layout">,
  blocks: number,
): TileFromPoint | undefined {
  if (!configuration || typeof configuration.values !== "object" || configuration.values === null)
    return undefined;
  const values = configuration.values as Record<string, unknown>;
  if (configuration.family === "tensor-core-tile") {
    const tileM = numberValue(values, "blockM");
    const tileN = numberValue(values, "blockN");
    const warpsM = numberValue(values, "warpsM");
    const warpsN = numberValue(values, "warpsN");
    if (!tileM || !tileN || !warpsM || !warpsN) return undefined;
    const loadBytes = numberValue(values, "loadWidth");
    return {
      tileM,
      tileN,
      splitK: numberValue(values, "splitK") ?? 1,
      operandReaders: { m: warpsM, n: warpsN },
      ...(loadBytes ? { loadBytes } : {}),
    };
  }
  if (configuration.family === "hopper-warp-specialized") {
    const consumers = numberValue(values, "consumers");
    const consumerRows = numberValue(values, "consumerRows");
    const tileN = numberValue(values, "blockN");
    if (!consumers || !consumerRows || !tileN) return undefined;
    const pingPong = values.schedule === "ping-pong";
    const tileM = pingPong ? consumerRows : consumers * consumerRows;
    const splitK = numberValue(values, "splitK") ?? 1;
    return {
      tileM,
      tileN,
      splitK,
      operandReaders: { m: pingPong ? 1 : consumers, n: 1 },
      loadBytes: 16,
      tiles: Math.ceil(task.m / tileM) * Math.ceil(task.n / tileN) * splitK,
    };
  }
  if (configuration.family === "skinny") {
    const threads = numberValue(values, "threads");
    const warpsK = numberValue(values, "warpsK");
    const warpTile = numberValue(values, "warpTile");
    if (!threads || !warpsK || !warpTile) return undefined;
    const streamB = values.operand !== "a";
    const mma = values.math === "mma";
    const pc = streamB && task.layout === "nn";
    const rowsPerWarp = pc ? (mma ? 32 : 64) * warpTile : mma ? 16 * warpTile : warpTile;
    const ctaP = rowsPerWarp * Math.max(1, Math.floor(threads / 32 / warpsK));
    const narrow = streamB ? task.m : task.n;
    const narrowTile = mma ? Math.ceil(narrow / (pc ? 16 : 8)) * (pc ? 16 : 8) : narrow;
    const streamed = streamB ? task.n : task.m;
    const tiles = Math.ceil(streamed / ctaP);
    const splitK =
      values.schedule === "stream"
        ? Math.max(1, Math.round(blocks / tiles))
        : (numberValue(values, "split") ?? 1);
    const loadBytes = numberValue(values, "loadBytes");
    const extras = loadBytes ? { loadBytes } : {};
    return streamB
      ? { tileM: narrowTile, tileN: ctaP, splitK, ...extras }
      : { tileM: ctaP, tileN: narrowTile, splitK, ...extras };
  }
  return undefined;
}

/**
 * The tile of a kernel known only by its grid, by the convention of the kernel ABI's examples: grid.x covers
 * N, grid.y covers M, grid.z splits K.
 */
export function tileFromGrid(
  task: Pick<GemmTask, "m" | "n">,
  grid: readonly [number, number, number],
): TileFromPoint {
  return {
    tileM: Math.ceil(task.m / grid[1]),
    tileN: Math.ceil(task.n / grid[0]),
    splitK: grid[2],
  };
}

/** The cost-model workload of a candidate, and where each of its figures came from. */
export function candidateWorkload(input: {
  candidate: Pick<KernelCandidate, "source" | "provenance">;
  launch: LaunchDescriptor;
  task: Pick<GemmTask, "m" | "n" | "k" | "layout">;
  /** The ptxas report of the entry; absent when nothing was compiled. */
  compile?: Pick<CompileReport, "registers" | "sharedBytes">;
  /** The machine code's instruction counts; absent when it could not be read. */
  sass?: SassCounts;
}): { workload: KernelWorkload; sources: WorkloadSources } {
  const { candidate, launch, task, compile, sass } = input;
  const blocks = launch.grid[0] * launch.grid[1] * launch.grid[2];
  const fromPoint = tileFromDesignPoint(candidate.provenance.configuration, task, blocks);
  const tile = fromPoint ?? tileFromGrid(task, launch.grid);
  const registers = compile && compile.registers > 0 ? compile.registers : undefined;
  return {
    workload: {
      m: task.m,
      n: task.n,
      k: task.k,
      tileM: Math.max(1, tile.tileM),
      tileN: Math.max(1, tile.tileN),
      splitK: Math.max(1, tile.splitK),
      // Splits grouped in a cluster with no workspace reduce through distributed shared memory.
      ...(tile.splitK > 1 && launch.cluster && launch.workspaceBytes === 0
        ? { splitKPartials: "cluster" as const }
        : {}),
      blocks: tile.tiles ?? blocks,
      threadsPerBlock: launch.block[0] * launch.block[1] * launch.block[2],
      ...(registers ? { registersPerThread: registers } : {}),
      sharedBytesPerBlock: (compile?.sharedBytes ?? 0) + launch.dynamicSharedBytes,
      instruction: sass ? instructionFromSass(sass) : instructionFromSource(candidate.source),
      ...(tile.operandReaders ? { operandReaders: tile.operandReaders } : {}),
      ...(tile.loadBytes ? { loadBytes: tile.loadBytes } : {}),
      zeroedWorkspaceBytes: launch.zeroWorkspace ? launch.workspaceBytes : 0,
    },
    sources: {
      tile: fromPoint ? "design_point" : "grid",
      instruction: sass ? "machine_code" : "source",
      registers: registers ? "ptxas" : "unknown",
    },
  };
}
