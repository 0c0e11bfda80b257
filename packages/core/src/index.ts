export { API_VERSION, type ApiVersion } from "./api-version.js";
export { ConfigError, type ConfigIssue, formatPath } from "./config/config-issue.js";
export * from "./config/config-schema.js";
export { defaultConfig } from "./config/default-config.js";
export { defineConfig } from "./config/define-config.js";
export {
  CONFIG_FILE_NAMES,
  type LoadConfigOptions,
  type LoadedConfig,
  loadConfig,
} from "./config/load-config.js";
export { type AnySchema, type SchemaValidation, validateWithSchema } from "./config/validate-with-schema.js";
export { createContainer, resolveAll, resolveNamed } from "./container/create-container.js";
export { CONTRACT_TOKENS, type ContractName, TOKENS } from "./container/tokens.js";
export { type CallOptions, throwIfAborted } from "./contracts/call-options.js";
export type { ContextSelector, EvaluatedCandidate } from "./contracts/context-selector.js";
export type {
  EvaluationWorkerStatus,
  EvaluatorDescription,
  GpuEvaluator,
} from "./contracts/gpu-evaluator.js";
export type {
  ContrastiveExample,
  GenerationCallOptions,
  GenerationFailure,
  GenerationRequest,
  GenerationResult,
  GenerationUsage,
  KernelGenerator,
} from "./contracts/kernel-generator.js";
export type {
  PolicyCheckpoint,
  PolicyGroup,
  PolicyTrainer,
  PolicyUpdateReport,
} from "./contracts/policy-trainer.js";
export type { RetrievalQuery, Retriever } from "./contracts/retriever.js";
export type { RewardModel } from "./contracts/reward-model.js";
export type {
  EvaluationQuery,
  EvaluationRecord,
  GenerationFailureRecord,
  PolicyCheckpointRecord,
  RunArchive,
  RunRecord,
  RunStatus,
  SimilarKernel,
} from "./contracts/run-archive.js";
export type { SamplingPolicy } from "./contracts/sampling-policy.js";
export type { DocChunk, RetrievedPassage } from "./domain/doc-chunk.js";
export type * from "./domain/evaluation-result.js";
export { EVALUATION_STATUSES, isEvaluationStatus } from "./domain/evaluation-result.js";
export * from "./domain/gemm-task.js";
export * from "./domain/kernel-candidate.js";
export * from "./domain/launch-descriptor.js";
export {
  evaluateLaunchExpression,
  LaunchExpressionError,
  type ShapeVariables,
} from "./domain/launch-expression.js";
export {
  describeLaunchIssue,
  type LaunchSpecification,
  resolveLaunch,
} from "./domain/launch-specification.js";
export type { AdvantageRecord, RewardRecord } from "./domain/reward-record.js";
export { quantile, summarizeSamples, type TimingSummary } from "./domain/timing-summary.js";
export { describeError, KernelForgeError } from "./errors/kernelforge-error.js";
export {
  type AnyEventListener,
  EventBus,
  type EventBusOptions,
  type EventListener,
} from "./events/event-bus.js";
export { RunEventBus, type RunEvents, type RunEventType } from "./events/run-events.js";
export { loadPluginObjects, type PluginObject } from "./plugins/load-plugin-objects.js";
export { definePlugin, type KernelForgePlugin, pluginOptionsToken } from "./plugins/plugin.js";
export { PluginLoadError } from "./plugins/plugin-error.js";
export { type LoadedPlugin, type LoadPluginsOptions, loadPlugins } from "./plugins/plugin-loader.js";
export { type ResolvedPluginEntry, resolvePluginEntry } from "./plugins/resolve-plugin-entry.js";
export { ConcurrencyLimit } from "./run/concurrency-limit.js";
export { groupRelativeAdvantages } from "./run/group-advantages.js";
export { MemoryRunArchive } from "./run/memory-run-archive.js";
export type { RunControl } from "./run/run-control.js";
export { groupId, groupSeed, newRunId, RUN_ID_PATTERN } from "./run/run-identity.js";
export {
  bestSpeedups,
  type RunComponents,
  RunLoop,
  type RunLoopOptions,
  type RunSummary,
  tasksFromConfig,
} from "./run/run-loop.js";
export { headlineSpeedup, selectContext } from "./run/select-context.js";
export { DurableDirectory, syncPath } from "./storage/durable-directory.js";
export { hashFeatures } from "./text/feature-hashing.js";
export { maskUrlCredentials } from "./text/mask-url-credentials.js";
