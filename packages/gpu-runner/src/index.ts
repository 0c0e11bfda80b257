export { type GpuInfo, type GpuListing, listGpus, parseGpuQuery } from "./toolkit/list-gpus.js";
export { type CublasLocation, cublasSearchDirectories, locateCublas } from "./toolkit/locate-cublas.js";
export {
  locateNvcc,
  type NvccInstallation,
  nvccCandidates,
  parseNvccVersion,
} from "./toolkit/locate-nvcc.js";
export { type CommandOutput, runCommand } from "./toolkit/run-command.js";
