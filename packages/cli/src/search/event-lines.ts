import type { RunEvents, RunEventType } from "@kernelforge/core";

const fixed = (value: number, digits = 3) => value.toFixed(digits);

/** One human-readable line for an event of a run (plain output), or undefined for events not worth a line. */
export function describeEvent<Type extends RunEventType>(
  type: Type,
  payload: RunEvents[Type],
): string | undefined {
  switch (type) {
    case "run-started": {
      const event = payload as RunEvents["run-started"];
      const label =
        event.measurement === "estimated" ? "ESTIMATED (model times, not measurements)" : "measured";
      return `${event.resumed ? "resuming" : "starting"} ${event.runId}: ${event.rounds} round(s) × ${event.taskKeys.length} task(s) × ${event.groupSize} candidates, ${label}, on ${event.devices.join(", ") || "no device"} (${event.components.generator} → ${event.components.evaluator})`;
    }
    case "round-started":
      return `round ${(payload as RunEvents["round-started"]).round + 1}`;
    case "candidate-evaluated": {
      const event = payload as RunEvents["candidate-evaluated"];
      const result = event.result;
      const speedup = result.speedups?.cold?.best ?? result.speedups?.hot?.best;
      const figure =
        result.status === "ok" && speedup
          ? `×${fixed(speedup.speedup)} vs ${speedup.baseline}${result.speedups?.cold ? " (cold)" : " (hot)"}${result.suspect ? " SUSPECT" : ""}`
          : `${result.reasonCode ?? ""} ${result.reason ?? ""}`.trim().slice(0, 140);
      return `  ${event.restored ? "restored " : ""}${result.taskKey} #${event.groupIndex} ${result.candidateId.slice(0, 10)} ${result.status} ${figure}`;
    }
    case "generation-finished": {
      const event = payload as RunEvents["generation-finished"];
      if (!event.usage) return undefined;
      return `  ${event.taskKey}: generated ${event.candidates} candidate(s), ${event.failures} failure(s); ${event.usage.requests} request(s), ${event.usage.inputTokens} tokens in / ${event.usage.outputTokens} out`;
    }
    case "generation-failed": {
      const event = payload as RunEvents["generation-failed"];
      return `  ${event.taskKey}: generation failed (${event.failure.code}): ${event.failure.reason}`;
    }
    case "policy-updated": {
      const event = payload as RunEvents["policy-updated"];
      const metrics = Object.entries(event.report.metrics)
        .slice(0, 4)
        .map(([name, value]) => `${name} ${fixed(value)}`)
        .join(", ");
      return `  policy updated (${event.report.steps} step(s)${metrics ? `, ${metrics}` : ""})`;
    }
    case "round-finished": {
      const event = payload as RunEvents["round-finished"];
      const best = Object.entries(event.bestSpeedups)
        .map(([key, value]) => `${key.split(".")[3]} ×${fixed(value)}`)
        .join(", ");
      return `round ${event.round + 1} done: ${event.evaluated} evaluated; best so far: ${best || "none correct yet"}`;
    }
    case "task-skipped":
      return `skipping ${(payload as RunEvents["task-skipped"]).taskKey}`;
    case "run-paused":
      return "paused";
    case "run-resumed":
      return "resumed";
    case "run-stopping":
      return `stopping: finishing ${(payload as RunEvents["run-stopping"]).inFlight} evaluation(s) in flight`;
    case "run-finished": {
      const event = payload as RunEvents["run-finished"];
      return `${event.runId} ${event.status}: ${event.evaluated} evaluated in ${fixed(event.durationMilliseconds / 1000, 1)} s`;
    }
    case "run-failed": {
      const event = payload as RunEvents["run-failed"];
      return `${event.runId} failed (${event.error.code}): ${event.error.message}`;
    }
    case "log": {
      const event = payload as RunEvents["log"];
      return event.level === "debug" ? undefined : `[${event.level}] ${event.source}: ${event.message}`;
    }
    default:
      return undefined;
  }
}

/**
 * A line when the set of live queue workers changed (workers are polled every few seconds: an unchanged list
 * says nothing new), or undefined.
 */
export function describeWorkersChange(
  previous: readonly string[] | undefined,
  workers: RunEvents["workers-updated"]["workers"],
): string | undefined {
  const ids = workers.map((worker) => worker.id);
  if (previous && previous.length === ids.length && previous.every((id, index) => id === ids[index])) {
    return undefined;
  }
  const joined = previous ? ids.filter((id) => !previous.includes(id)) : ids;
  const left = previous ? previous.filter((id) => !ids.includes(id)) : [];
  const changes = [
    ...(joined.length ? [`joined: ${joined.join(", ")}`] : []),
    ...(left.length ? [`gone: ${left.join(", ")}`] : []),
  ];
  const slots = workers.reduce((sum, worker) => sum + worker.slots, 0);
  return `workers: ${ids.length} live (${slots} slots)${changes.length ? `; ${changes.join("; ")}` : ""}`;
}

/** describeEvent for a whole run's stream: it also reports changes in the live queue workers. */
export function createEventDescriber(): <Type extends RunEventType>(
  type: Type,
  payload: RunEvents[Type],
) => string | undefined {
  let workers: string[] | undefined;
  return (type, payload) => {
    if (type !== "workers-updated") return describeEvent(type, payload);
    const update = payload as RunEvents["workers-updated"];
    const line = describeWorkersChange(workers, update.workers);
    workers = update.workers.map((worker) => worker.id);
    return line;
  };
}
