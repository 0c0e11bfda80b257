import { createHash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { KernelForgeError } from "@kernelforge/core";
import { archFlags } from "../compile/arch-flags.js";
import { defaultCacheDirectory } from "../compile/compile-cache.js";
import { runProcess } from "../compile/run-process.js";
import type { NvccInstallation } from "../toolkit/locate-nvcc.js";
import { runCommand } from "../toolkit/run-command.js";

export interface HarnessBuild {
  binary: string;
  key: string;
  cached: boolean;
  /**
   * Set when no CUDA driver library was there to link against and a stand-in was generated: the binary then
   * runs (it answers the protocol and reports `no_device`) but can run no kernel. Start it with this directory
   * on LD_LIBRARY_PATH.
   */
  stubLibraryDirectory?: string;
  log: string;
}

/**
 * The folder holding the harness's CUDA C++ sources: $KFORGE_NATIVE_DIR when set (a bundled program carries
 * them beside itself), else the package's own native/ folder.
 */
export function nativeSourceDirectory(): string {
  if (process.env.KFORGE_NATIVE_DIR) {
    const directory = path.resolve(process.env.KFORGE_NATIVE_DIR);
    if (existsSync(path.join(directory, "harness.cu"))) return directory;
    throw new KernelForgeError(
      "harness_sources_missing",
      `KFORGE_NATIVE_DIR=${directory} holds no harness.cu`,
    );
  }
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const candidate of [path.join(here, "..", "native"), path.join(here, "..", "..", "native")]) {
    if (existsSync(path.join(candidate, "harness.cu"))) return candidate;
  }
  throw new KernelForgeError(
    "harness_sources_missing",
    `the native harness sources were not found next to ${here}`,
    {
      hint: "Reinstall @kernelforge/gpu-runner (its native/ folder ships the sources), or set KFORGE_NATIVE_DIR.",
    },
  );
}

function sourceFiles(directory: string): string[] {
  return readdirSync(directory)
    .filter((name) => /\.(cu|cuh|h)$/.test(name))
    .sort();
}

/**
 * Builds the native harness with nvcc on first use and caches it under the hash of its sources, the nvcc
 * version and the target arch. Its own kernels (reference GEMM, L2 flush, guard checks) are compiled for the
 * device's arch, so nothing is JIT-compiled when it starts.
 */
export async function buildHarness(options: {
  nvcc: NvccInstallation;
  arch?: string;
  cacheDirectory?: string;
  sourceDirectory?: string;
  timeoutMilliseconds?: number;
}): Promise<HarnessBuild> {
  const sources = options.sourceDirectory ?? nativeSourceDirectory();
  const files = sourceFiles(sources);
  const hash = createHash("sha256").update(
    `kforge-harness-v1\0${options.nvcc.version}\0${options.arch ?? "default"}\0`,
  );
  for (const file of files)
    hash
      .update(file)
      .update("\0")
      .update(readFileSync(path.join(sources, file)))
      .update("\0");
  const key = hash.digest("hex").slice(0, 32);
  const directory = path.join(options.cacheDirectory ?? defaultCacheDirectory(), "harness", key);
  const binary = path.join(directory, "kforge-harness");
  const manifestFile = path.join(directory, "build.json");
  if (existsSync(binary) && existsSync(manifestFile)) {
    const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as Omit<HarnessBuild, "cached">;
    return { ...manifest, cached: true };
  }
  mkdirSync(directory, { recursive: true });
  // Build from a private copy, so that a package upgrade during a build cannot mix two versions.
  const work = path.join(directory, "src");
  mkdirSync(work, { recursive: true });
  for (const file of files) copyFileSync(path.join(sources, file), path.join(work, file));
  const arch = options.arch ? archFlags(options.arch) : [];
  const timeoutMilliseconds = options.timeoutMilliseconds ?? 600_000;
  const partial = path.join(directory, "kforge-harness.partial");
  const linked = await runProcess(
    options.nvcc.path,
    ["-O2", "-std=c++17", ...arch, "-o", partial, "harness.cu", "-lcuda", "-ldl"],
    { cwd: work, timeoutMilliseconds },
  );
  let log = linked.output;
  let stubLibraryDirectory: string | undefined;
  if (linked.exitCode !== 0) {
    if (!/cannot find -lcuda/.test(linked.output)) {
      throw new KernelForgeError(
        "harness_build_failed",
        `nvcc could not build the harness:\n${linked.output.slice(-4000)}`,
      );
    }
    stubLibraryDirectory = await linkAgainstStub(options.nvcc, work, partial, arch, timeoutMilliseconds);
    log +=
      "\nno CUDA driver library to link against: linked against a generated stand-in (this binary runs no kernels)";
  }
  renameSync(partial, binary);
  chmodSync(binary, 0o755);
  const build: Omit<HarnessBuild, "cached"> = {
    binary,
    key,
    log,
    ...(stubLibraryDirectory ? { stubLibraryDirectory } : {}),
  };
  writeFileSync(manifestFile, JSON.stringify(build));
  return { ...build, cached: false };
}

/**
 * For machines with nvcc but no driver (CI): compile to an object, generate a libcuda.so whose every driver
 * entry point the object uses returns CUDA_ERROR_STUB_LIBRARY (34), and link against it.
 */
async function linkAgainstStub(
  nvcc: NvccInstallation,
  work: string,
  output: string,
  arch: string[],
  timeoutMilliseconds: number,
): Promise<string> {
  const object = path.join(work, "harness.o");
  const compiled = await runProcess(
    nvcc.path,
    ["-O2", "-std=c++17", ...arch, "-c", "-o", object, "harness.cu"],
    {
      cwd: work,
      timeoutMilliseconds,
    },
  );
  if (compiled.exitCode !== 0) {
    throw new KernelForgeError(
      "harness_build_failed",
      `nvcc could not compile the harness:\n${compiled.output.slice(-4000)}`,
    );
  }
  const undefinedSymbols = await runCommand("nm", ["-u", object]);
  const driverSymbols = [...undefinedSymbols.stdout.matchAll(/\s(cu[A-Z]\w*)$/gm)].map(
    (match) => match[1] as string,
  );
  const stubs = path.join(work, "stubs");
  mkdirSync(stubs, { recursive: true });
  const stubSource = path.join(stubs, "libcuda-stub.c");
  writeFileSync(
    stubSource,
    `/* Stand-in CUDA driver library, for linking where no driver is installed. */\n${[
      ...new Set(driverSymbols),
    ]
      .map((symbol) => `int ${symbol}(void) { return 34; }`)
      .join("\n")}\n`,
  );
  const library = await runProcess(
    nvcc.path,
    [
      "-shared",
      "-Xcompiler",
      "-fPIC",
      "-Xlinker",
      "-soname=libcuda.so.1",
      "-o",
      path.join(stubs, "libcuda.so.1"),
      stubSource,
    ],
    { cwd: stubs, timeoutMilliseconds },
  );
  if (library.exitCode !== 0)
    throw new KernelForgeError("harness_build_failed", `stub library: ${library.output}`);
  copyFileSync(path.join(stubs, "libcuda.so.1"), path.join(stubs, "libcuda.so"));
  const linked = await runProcess(nvcc.path, ["-o", output, object, `-L${stubs}`, "-lcuda", "-ldl"], {
    cwd: work,
    timeoutMilliseconds,
  });
  if (linked.exitCode !== 0) throw new KernelForgeError("harness_build_failed", `link: ${linked.output}`);
  return stubs;
}
