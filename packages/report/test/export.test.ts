import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import {
  createCandidate,
  createGemmTask,
  type EvaluationRecord,
  type GemmTask,
  type KernelCandidate,
  KernelForgeError,
} from "@kernelforge/core";
import { TemplateGenerator } from "@kernelforge/plugin-template-generator";
import { beforeAll, describe, expect, it } from "vitest";
import { exportKernelLibrary, nvccArch, renameIdentifier } from "../src/index.js";
import { makeRecord, makeResult, makeRun } from "./fixtures.js";

const run = promisify(execFile);

/** nvcc from $NVCC, the PATH or /usr/local/cuda; undefined when there is none (the compile test is skipped). */
function findNvcc(): string | undefined {
  const candidates = [
    process.env.NVCC,
    ...(process.env.PATH ?? "").split(path.delimiter).map((directory) => path.join(directory, "nvcc")),
    "/usr/local/cuda/bin/nvcc",
  ];
  return candidates.find((file): file is string => file !== undefined && file !== "" && existsSync(file));
}
const nvcc = findNvcc();

const generator = new TemplateGenerator({});

/** The first generated candidate (over a few seeds) that satisfies `wanted`. */
async function realCandidate(task: GemmTask, wanted: (candidate: KernelCandidate) => boolean) {
  for (let seed = 1; seed <= 8; seed += 1) {
    const { candidates } = await generator.generate({ task, count: 16, round: 0, seed });
    const found = candidates.find(wanted);
    if (found) return found;
  }
  throw new Error(`the template generator gave no wanted candidate for ${JSON.stringify(task)}`);
}

/** A naive hand-written kernel with a thread-block cluster (the generator renders none), to export a cluster launch. */
function clusterCandidate(): KernelCandidate {
  const source = `#include <cuda_fp16.h>

// naive_cluster: one thread per output element; naive_cluster_row is a helper that must keep its name.
__device__ __forceinline__ int naive_cluster_row() { return blockIdx.y * blockDim.y + threadIdx.y; }

extern "C" __global__ void naive_cluster(const __half* A, const __half* B, __half* C, int M, int N, int K,
                                         void* workspace) {
  const int row = naive_cluster_row();
  const int col = blockIdx.x * blockDim.x + threadIdx.x;
  if (row >= M || col >= N) return;
  float sum = 0.0f;
  for (int k = 0; k < K; ++k) sum += __half2float(A[row * K + k]) * __half2float(B[k * N + col]);
  C[row * N + col] = __float2half(sum);
}
`;
  return createCandidate({
    task: createGemmTask({ m: 64, n: 64, k: 64 }),
    source,
    entry: "naive_cluster",
    launch: { grid: [4, 4, 1], block: [16, 16, 1], cluster: [2, 1, 1] },
    provenance: { generator: "fixture", parentIds: [], createdAt: "2025-01-01T10:00:00.000Z" },
  });
}

const FIGURES = {
  cold: { cublas: 1.31, "cublaslt-heuristic": 1.27, "cublaslt-autotuned": 1.22 },
  hot: { cublas: 1.2, "cublaslt-heuristic": 1.18, "cublaslt-autotuned": 1.11 },
};
const SLOWER = {
  cold: { cublas: 1.1, "cublaslt-heuristic": 1.05, "cublaslt-autotuned": 1.01 },
  hot: { cublas: 1.1, "cublaslt-heuristic": 1.05, "cublaslt-autotuned": 1.01 },
};

interface Fixture {
  evaluations: EvaluationRecord[];
  taskKeys: string[];
  big: KernelCandidate;
  splitK: KernelCandidate;
  skinny: KernelCandidate;
  cluster: KernelCandidate;
  tma: KernelCandidate;
  runnerUp: KernelCandidate;
  suspect: KernelCandidate;
}

/** Real generated kernels with synthetic, estimated results (fixture data, not measurements). */
async function fixture(): Promise<Fixture> {
  const bigTask = createGemmTask({ m: 4096, n: 4096, k: 4096 });
  const big = await realCandidate(
    bigTask,
    (candidate) => candidate.launch.dynamicSharedBytes > 48 * 1024 && !candidate.launch.tensorMaps?.length,
  );
  // A Hopper kernel that takes TMA tensor maps and runs in a cluster: its launcher must encode the maps.
  const tma = await realCandidate(
    createGemmTask({ m: 4096, n: 4096, k: 4096, layout: "linear" }),
    (candidate) => (candidate.launch.tensorMaps?.length ?? 0) > 0 && candidate.launch.cluster !== undefined,
  );
  const runnerUp = await realCandidate(bigTask, (candidate) => candidate.id !== big.id);
  const suspect = await realCandidate(
    bigTask,
    (candidate) => candidate.id !== big.id && candidate.id !== runnerUp.id,
  );
  const splitK = await realCandidate(
    createGemmTask({ m: 1000, n: 1000, k: 1000, layout: "linear" }),
    (candidate) => candidate.launch.zeroWorkspace && candidate.launch.workspaceBytes > 0,
  );
  const skinny = await realCandidate(
    createGemmTask({ m: 16, n: 4096, k: 4096, layout: "linear" }),
    (candidate) => candidate.entry === "hgemm_skinny",
  );
  const cluster = clusterCandidate();
  const failing = await realCandidate(createGemmTask({ m: 128, n: 11008, k: 4096 }), () => true);
  const evaluations = [
    makeRecord({ candidate: runnerUp, round: 0, result: makeResult(runnerUp, SLOWER) }),
    makeRecord({ candidate: big, round: 1, result: makeResult(big, FIGURES) }),
    makeRecord({ candidate: tma, round: 1, result: makeResult(tma, FIGURES) }),
    makeRecord({
      candidate: suspect,
      round: 1,
      result: makeResult(suspect, {
        cold: { cublas: 9, "cublaslt-heuristic": 9, "cublaslt-autotuned": 9 },
        suspect: "9x the best baseline",
      }),
    }),
    makeRecord({ candidate: splitK, round: 0, result: makeResult(splitK, FIGURES) }),
    makeRecord({ candidate: skinny, round: 0, result: makeResult(skinny, FIGURES) }),
    makeRecord({ candidate: cluster, round: 0, result: makeResult(cluster, FIGURES) }),
    makeRecord({
      candidate: failing,
      round: 0,
      result: makeResult(failing, { status: "wrong", reasonCode: "wrong_result", reason: "fixture" }),
    }),
  ];
  const taskKeys = [
    big.taskKey,
    splitK.taskKey,
    skinny.taskKey,
    cluster.taskKey,
    tma.taskKey,
    failing.taskKey,
  ];
  return { evaluations, taskKeys, big, splitK, skinny, cluster, tma, runnerUp, suspect };
}

let data: Fixture;
let dir: string;
let files: string[];

beforeAll(async () => {
  data = await fixture();
  dir = await mkdtemp(path.join(tmpdir(), "kforge-export-"));
  const result = await exportKernelLibrary({
    run: makeRun({ taskKeys: data.taskKeys }),
    evaluations: data.evaluations,
    outDir: dir,
  });
  files = result.files;
  expect(result.kernels).toBe(5);
});

const read = (name: string) => readFile(path.join(dir, name), "utf8");

describe("exportKernelLibrary", () => {
  it("writes one kernel source per task with a correct kernel, the header, dispatch, example, Makefile and README", () => {
    expect(files.map((file) => path.relative(dir, file)).sort()).toEqual(
      [
        "Makefile",
        "README.md",
        "example.cu",
        "kernels/linear_1000x1000x1000_sm90.cu",
        "kernels/linear_16x4096x4096_sm90.cu",
        "kernels/linear_4096x4096x4096_sm90.cu",
        "kernels/nn_4096x4096x4096_sm90.cu",
        "kernels/nn_64x64x64_sm90.cu",
        "kforge_hgemm.cu",
        "kforge_hgemm.h",
      ].sort(),
    );
  });

  it("encodes a Hopper kernel's tensor maps for the caller's pointers and launches it in its cluster", async () => {
    const unit = await read("kernels/linear_4096x4096x4096_sm90.cu");
    expect(unit).toContain(`Candidate: ${data.tma.id}`);
    expect(unit).toContain("#include <cudaTypedefs.h>");
    expect(unit).toContain('cudaGetDriverEntryPointByVersion("cuTensorMapEncodeTiled"');
    const maps = data.tma.launch.tensorMaps ?? [];
    expect(unit).toContain(`CUtensorMap maps[${maps.length}];`);
    // A is M x K and linear B is N x K: both {K, rows}, a 8192-byte row pitch, the kernel's own boxes.
    expect(unit.match(/cuuint64_t dims\[2\] = \{4096ull, 4096ull\};/g)?.length).toBe(maps.length);
    for (const map of maps) expect(unit).toContain(`cuuint32_t box[2] = {${map.box[0]}u, ${map.box[1]}u};`);
    expect(unit).toContain("CU_TENSOR_MAP_SWIZZLE_128B");
    expect(unit).toContain("CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE");
    expect(unit).toContain("(void*)&maps[1]};");
    expect(unit).toContain(
      "return cudaLaunchKernelExC(&config, reinterpret_cast<const void*>(&kforge_hgemm_linear_4096x4096x4096_sm90), arguments);",
    );
  });

  it("exports the best correct kernel, renames its entry and applies its launch descriptor", async () => {
    const big = await read("kernels/nn_4096x4096x4096_sm90.cu");
    expect(big).toContain(`Candidate: ${data.big.id}`);
    const source = (text: string) => text.slice(text.indexOf("// ---- Candidate source ----"));
    expect(source(big)).not.toMatch(/\bhgemm_tc\b/);
    expect(big).toContain("// Entry: hgemm_tc renamed to kforge_hgemm_nn_4096x4096x4096_sm90.");
    expect(big).toMatch(
      /extern "C" __global__ void __launch_bounds__\(\d+, \d+\)\s+kforge_hgemm_nn_4096x4096x4096_sm90\(/,
    );
    expect(big).toContain(
      `cudaFuncSetAttribute(kforge_hgemm_nn_4096x4096x4096_sm90, cudaFuncAttributeMaxDynamicSharedMemorySize, ${data.big.launch.dynamicSharedBytes});`,
    );
    expect(big).toContain(
      'extern "C" cudaError_t kforge_hgemm_nn_4096x4096x4096_sm90_launch(const __half* A, const __half* B, __half* C, void* workspace,',
    );
    expect(big).toContain(
      `dim3(${data.big.launch.grid.join(", ")}), dim3(${data.big.launch.block.join(", ")})`,
    );
    expect(big).not.toContain("cudaMemsetAsync");

    const splitK = await read("kernels/linear_1000x1000x1000_sm90.cu");
    expect(splitK).toContain(
      `cudaMemsetAsync(workspace, 0, ${data.splitK.launch.workspaceBytes}ull, stream);`,
    );
    const skinny = await read("kernels/linear_16x4096x4096_sm90.cu");
    expect(source(skinny)).not.toMatch(/\bhgemm_skinny\b/);
    expect(skinny).toContain("kforge_hgemm_linear_16x4096x4096_sm90(");

    const cluster = await read("kernels/nn_64x64x64_sm90.cu");
    expect(cluster).toContain("attributes[0].id = cudaLaunchAttributeClusterDimension;");
    expect(cluster).toContain("attributes[0].val.clusterDim.x = 2;");
    expect(cluster).toContain(
      "return cudaLaunchKernelEx(&config, kforge_hgemm_nn_64x64x64_sm90, A, B, C, M, N, K, workspace);",
    );
    expect(cluster).toContain("naive_cluster_row()");
    expect(cluster).not.toContain("cudaFuncSetAttribute");

    const dispatch = await read("kforge_hgemm.cu");
    expect(dispatch).toContain(`"${data.big.id}"`);
    expect(dispatch).not.toContain(data.runnerUp.id);
    expect(dispatch).not.toContain(data.suspect.id);
    expect(dispatch).toContain(
      `{1000, 1000, 1000, KFORGE_HGEMM_LAYOUT_LINEAR, ${data.splitK.launch.workspaceBytes}u, "hgemm.f16f32.linear.1000x1000x1000.sm90"`,
    );
    expect(dispatch).toContain(
      "cold 1.22x vs cublaslt-autotuned (1000.0 us), hot 1.11x vs cublaslt-autotuned",
    );
    expect(dispatch).toContain("return cudaErrorNotSupported;");

    const header = await read("kforge_hgemm.h");
    expect(header).toMatch(/#ifndef KFORGE_HGEMM_H\n#define KFORGE_HGEMM_H/);
    expect(header).toContain(
      "cudaError_t kforge_hgemm(int M, int N, int K, int layout, const __half* A, const __half* B, __half* C,",
    );
    expect(header).toContain("size_t kforge_hgemm_workspace_bytes(int M, int N, int K, int layout);");
    expect(header).toContain("int kforge_hgemm_supported_shapes(const kforge_hgemm_shape** shapes);");
    expect(header).toContain('extern "C" {');
  });

  it("lists tasks without a correct kernel, and labels estimated figures in every file", async () => {
    const readme = await read("README.md");
    expect(readme).toContain("## Left out");
    expect(readme).toContain(
      "128×11008×4096 nn (`hgemm.f16f32.nn.128x11008x4096.sm90`): no correct kernel (1 candidate(s): 1 wrong)",
    );
    expect(readme).toContain(
      "Estimated: every figure in this library is a cost-model estimate, not a measurement",
    );
    // The fixture results carry no correctness report, as in estimate mode: nothing ran.
    expect(readme).toContain("**5 of 5 kernel(s) never ran on a GPU**");
    expect(await read("kforge_hgemm.cu")).toContain("never ran on a GPU (correctness unverified)");
    for (const file of files) {
      expect(await readFile(file, "utf8"), file).toMatch(/estimated/i);
    }
    expect(await read("Makefile")).toContain("ARCH ?= sm_90a");
  });

  it("refuses mixed measurements, bad names and runs with nothing to export", async () => {
    const outDir = await mkdtemp(path.join(tmpdir(), "kforge-export-"));
    const first = data.evaluations[0] as EvaluationRecord;
    const mixed = [
      { ...first, result: { ...first.result, measurement: "measured" as const } },
      ...data.evaluations,
    ];
    await expect(
      exportKernelLibrary({ run: makeRun({ taskKeys: data.taskKeys }), evaluations: mixed, outDir }),
    ).rejects.toMatchObject({ code: "mixed_measurements" });
    await expect(
      exportKernelLibrary({ run: makeRun(), evaluations: data.evaluations, outDir, libraryName: "9-lib" }),
    ).rejects.toBeInstanceOf(KernelForgeError);
    const failing = data.evaluations.filter(
      (record) => record.result.status !== "ok" || record.result.suspect,
    );
    await expect(exportKernelLibrary({ run: makeRun(), evaluations: failing, outDir })).rejects.toMatchObject(
      {
        code: "nothing_to_export",
      },
    );
  });

  it("renames whole identifiers only and maps architectures as the evaluator compiles them", () => {
    expect(renameIdentifier("k(); k_2(); xk(); k ;", "k", "z")).toBe("z(); k_2(); xk(); z ;");
    expect(nvccArch("sm90")).toBe("sm_90a");
    expect(nvccArch("sm80")).toBe("sm_80");
    expect(nvccArch("sm90a")).toBe("sm_90a");
  });

  it.skipIf(!nvcc)(
    "compiles every source with nvcc and links the example against the library",
    async () => {
      const compiler = nvcc as string;
      const build = await mkdtemp(path.join(tmpdir(), "kforge-export-build-"));
      // The header must also be valid C.
      const cCheck = path.join(build, "header-check.c");
      await writeFile(
        cCheck,
        '#include "kforge_hgemm.h"\nint main(void) { return kforge_hgemm_supports(1, 1, 1, KFORGE_HGEMM_LAYOUT_NN); }\n',
      );
      const sources = files.filter((file) => file.endsWith(".cu"));
      const jobs = [...sources, cCheck].map((source, index) => {
        const object = path.join(build, `${index}-${path.basename(source)}.o`);
        const flags = source.endsWith(".c")
          ? [`-I${dir}`]
          : ["-O3", "-std=c++17", "-gencode=arch=compute_90a,code=sm_90a"];
        return { object, args: [...flags, "-c", source, "-o", object] };
      });
      const compile = async (args: string[]) => {
        try {
          await run(compiler, args, { cwd: dir, timeout: 120_000, maxBuffer: 16 << 20 });
        } catch (error) {
          const failure = error as { stderr?: string; message: string };
          throw new Error(`nvcc ${args.join(" ")} failed:\n${failure.stderr ?? failure.message}`);
        }
      };
      // Two at a time.
      const queue = [...jobs];
      await Promise.all(
        [0, 1].map(async () => {
          for (let job = queue.shift(); job; job = queue.shift()) await compile(job.args);
        }),
      );
      const executable = path.join(build, "example");
      const objects = jobs.filter((job) => !job.object.endsWith(".c.o")).map((job) => job.object);
      await compile(["-gencode=arch=compute_90a,code=sm_90a", ...objects, "-o", executable]);
      expect((await stat(executable)).size).toBeGreaterThan(0);

      // The Makefile parses and builds the same things (dry run: nothing is compiled twice).
      const make = ["/usr/bin/make", "/bin/make"].find((file) => existsSync(file));
      if (make) {
        const { stdout } = await run(make, ["-n", "-C", dir, `NVCC=${compiler}`], { timeout: 30_000 });
        expect(stdout).toContain(
          "-gencode=arch=compute_90a,code=sm_90a -c kernels/nn_4096x4096x4096_sm90.cu -o kernels/nn_4096x4096x4096_sm90.o",
        );
        expect(stdout).toContain("rcs libkforge_hgemm.a");
        expect(stdout).toContain("example.cu libkforge_hgemm.a -o example");
      }
    },
    150_000,
  );
});
