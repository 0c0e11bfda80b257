export { archFlags, archFromComputeCapability } from "./compile/arch-flags.js";
export { compileKey, defaultCacheDirectory } from "./compile/compile-cache.js";
export {
  BASE_NVCC_FLAGS,
  type CompileOutcome,
  CompilePool,
  type CompilePoolOptions,
  type CompileRequest,
} from "./compile/compile-pool.js";
export { type PtxasFunctionReport, parseGlobalBytes, parsePtxasReport } from "./compile/ptxas-report.js";
export { type ProcessOutcome, runProcess } from "./compile/run-process.js";
export { buildHarness, type HarnessBuild, nativeSourceDirectory } from "./harness/build-harness.js";
export { HarnessExitedError, HarnessRequestError, HarnessTimeoutError } from "./harness/harness-errors.js";
export { HarnessProcess, type HarnessProcessOptions } from "./harness/harness-process.js";
export * from "./harness/harness-protocol.js";
export { dumpSass } from "./sass/dump-sass.js";
export { functionSass, type SassMathSummary, summarizeSassMath } from "./sass/sass-accumulator.js";
export { preprocessCandidate } from "./screening/preprocess-candidate.js";
export {
  ALLOWED_INCLUDES,
  type PreprocessedView,
  preprocessedView,
  type ScreeningRejection,
  screenPreprocessed,
  screenSource,
  stripCommentsAndStrings,
} from "./screening/screen-source.js";
export { type GpuInfo, type GpuListing, listGpus, parseGpuQuery } from "./toolkit/list-gpus.js";
export { type CublasLocation, cublasSearchDirectories, locateCublas } from "./toolkit/locate-cublas.js";
export {
  locateNvcc,
  type NvccInstallation,
  nvccCandidates,
  parseNvccVersion,
} from "./toolkit/locate-nvcc.js";
export { type CommandOutput, runCommand } from "./toolkit/run-command.js";
