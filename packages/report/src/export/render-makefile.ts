import type { ExportedKernel } from "./exported-kernel.js";

/** Makefile: a static library of every kernel and the dispatch, the example, an optional shared library. */
export function renderMakefile(options: {
  library: string;
  runId: string;
  arch: string;
  measurement: string;
  kernels: readonly ExportedKernel[];
}): string {
  const { library } = options;
  const tab = "\t";
  return [
    `# Builds the KernelForge kernel library ${library} (run ${options.runId.replace(/[\r\n]/g, " ")}; figures ${options.measurement}).`,
    `#   make                 lib${library}.a and ./example`,
    `#   make shared          lib${library}.so`,
    `#   make ARCH=sm_90a     the target GPU (default: the run's architecture, ${options.arch})`,
    "NVCC ?= nvcc",
    `ARCH ?= ${options.arch}`,
    "# Machine code for exactly that GPU: -arch=sm_90a would also emit compute_90 PTX, which rejects wgmma and",
    "# setmaxnreg.",
    "GENCODE = -gencode=arch=$(subst sm_,compute_,$(ARCH)),code=$(ARCH)",
    "NVCCFLAGS ?= -O3 -std=c++17",
    "AR ?= ar",
    "",
    `LIBRARY = lib${library}.a`,
    `SHARED = lib${library}.so`,
    `KERNELS = ${options.kernels.map((kernel) => kernel.file).join(" ")}`,
    `OBJECTS = $(KERNELS:.cu=.o) ${library}.o`,
    "",
    "all: $(LIBRARY) example",
    "",
    "$(LIBRARY): $(OBJECTS)",
    `${tab}$(AR) rcs $@ $^`,
    "",
    `$(SHARED): $(KERNELS) ${library}.cu ${library}.h`,
    `${tab}$(NVCC) $(NVCCFLAGS) $(GENCODE) -Xcompiler -fPIC -shared -cudart shared $(KERNELS) ${library}.cu -o $@`,
    "",
    "shared: $(SHARED)",
    "",
    `${library}.o: ${library}.cu ${library}.h`,
    `${tab}$(NVCC) $(NVCCFLAGS) $(GENCODE) -c $< -o $@`,
    "",
    "kernels/%.o: kernels/%.cu",
    `${tab}$(NVCC) $(NVCCFLAGS) $(GENCODE) -c $< -o $@`,
    "",
    `example: example.cu ${library}.h $(LIBRARY)`,
    `${tab}$(NVCC) $(NVCCFLAGS) $(GENCODE) example.cu $(LIBRARY) -o $@`,
    "",
    "clean:",
    `${tab}rm -f $(OBJECTS) $(LIBRARY) $(SHARED) example`,
    "",
    ".PHONY: all shared clean",
    "",
  ].join("\n");
}
