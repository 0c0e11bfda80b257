export {
  type BestSpeedups,
  candidatesPerMinute,
  currentRoundProgress,
  currentTaskKey,
  type DashboardState,
  type DashboardStatus,
  deviceBusyPercent,
  elapsedMilliseconds,
  type FailureView,
  type GeneratorStream,
  inFlightCount,
  initialDashboardState,
  isRunOver,
  latestGeneratorStream,
  overallProgress,
  type Progress,
  type RewardPoint,
  type RunEventMessage,
  reduceDashboard,
  rewardCurve,
  roundOrdinal,
  type SpeedupKey,
  type TaskView,
} from "../dashboard/dashboard-state.js";
export { createDashboardStore, type DashboardStore } from "../dashboard/dashboard-store.js";
export { MeasurementBadge } from "./measurement-badge.js";
export {
  type DashboardExitReason,
  RunDashboard,
  type RunDashboardProps,
  RunDashboardView,
  type RunDashboardViewProps,
} from "./run-dashboard.js";
export type { BenchKernel } from "./session/bench-prompt-screen.js";
export { type DocSearchHit, NO_RETRIEVER_MESSAGE, type SearchDocs } from "./session/search-screen.js";
export { SessionApp, type SessionAppProps, type StartedRun } from "./session/session-app.js";
