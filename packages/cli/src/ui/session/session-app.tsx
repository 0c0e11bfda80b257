import type { RunArchive, RunControl, RunEventBus, RunRecord } from "@kernelforge/core";
import { Box, Text, useApp } from "ink";
import { useEffect, useRef, useState } from "react";
import { createDashboardStore, type DashboardStore } from "../../dashboard/dashboard-store.js";
import { type DashboardExitReason, RunDashboard } from "../run-dashboard.js";
import { type BenchKernel, BenchPromptScreen } from "./bench-prompt-screen.js";
import { KernelInspector } from "./kernel-inspector.js";
import { MainMenu, type MenuChoice } from "./main-menu.js";
import { MessageScreen } from "./message-screen.js";
import { RunScreen } from "./run-screen.js";
import type { TaskSummary } from "./run-summary.js";
import { RunsScreen } from "./runs-screen.js";
import { type SearchDocs, SearchScreen } from "./search-screen.js";

/** A run started from the session: its events, its control, and the promise of its end. */
export interface StartedRun {
  events: RunEventBus;
  control: RunControl;
  done: Promise<unknown>;
}

export interface SessionAppProps {
  archive: Pick<RunArchive, "listRuns" | "listEvaluations" | "getRun">;
  /** Starts a run of the loaded configuration; undefined when none can be started. */
  startRun: () => Promise<StartedRun> | undefined;
  /** Searches the loaded retrievers; absent when none is loaded. */
  searchDocs?: SearchDocs;
  /** Benchmarks a kernel file at a shape (`MxNxK`) and returns the rendered result. */
  bench?: BenchKernel;
  /** One line describing what a run would do, e.g. `template generator · nvcc · 12 tasks · 4 rounds × 8`. */
  configSummary: string;
  /**
   * Called when the session ends: `quit` from the menu, or `interrupt` when Ctrl+C was pressed twice during a run
   * (the caller should abort that run). The Ink app exits right after.
   */
  onExit?: (reason: "quit" | "interrupt") => void;
  /** Clock for the dashboard (default Date.now). */
  now?: () => number;
}

type Screen =
  | { kind: "menu" }
  | { kind: "runs" }
  | { kind: "run"; runId: string }
  | { kind: "inspector"; run: RunRecord; task: TaskSummary }
  | { kind: "search" }
  | { kind: "bench" }
  | { kind: "starting" }
  | { kind: "dashboard"; run: StartedRun; store: DashboardStore }
  | { kind: "message"; title: string; lines: string[]; tone: "info" | "error" };

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `kforge` with no arguments: a menu to start a run, browse archived runs, search the docs or bench a file. */
export function SessionApp({
  archive,
  startRun,
  searchDocs,
  bench,
  configSummary,
  onExit,
  now,
}: SessionAppProps) {
  const { exit } = useApp();
  const [stack, setStack] = useState<Screen[]>([{ kind: "menu" }]);
  // Highlighted rows by screen, so that going back lands where one left.
  const positions = useRef(new Map<string, number>());
  const mounted = useRef(true);
  useEffect(
    () => () => {
      mounted.current = false;
    },
    [],
  );

  const push = (screen: Screen) => setStack((current) => [...current, screen]);
  const back = () => setStack((current) => (current.length > 1 ? current.slice(0, -1) : current));
  const replaceTop = (screen: Screen) => setStack((current) => [...current.slice(0, -1), screen]);
  const remembered = (key: string) => {
    const index = positions.current.get(key);
    return {
      ...(index === undefined ? {} : { initialIndex: index }),
      onMove: (next: number) => positions.current.set(key, next),
    };
  };

  const quit = (reason: "quit" | "interrupt") => {
    onExit?.(reason);
    exit();
  };

  const start = () => {
    let pending: Promise<StartedRun> | undefined;
    try {
      pending = startRun();
    } catch (error) {
      push({
        kind: "message",
        title: "The run could not be started",
        lines: [errorMessage(error)],
        tone: "error",
      });
      return;
    }
    if (!pending) {
      push({
        kind: "message",
        title: "No run can be started with this configuration",
        lines: [configSummary, "Check it with kforge plugins and kforge doctor."],
        tone: "info",
      });
      return;
    }
    push({ kind: "starting" });
    pending.then(
      (run) => {
        // Subscribe before anything renders, so that no event of the run is missed.
        const store = createDashboardStore(run.events, now);
        if (!mounted.current) {
          store.close();
          return;
        }
        replaceTop({ kind: "dashboard", run, store });
      },
      (error: unknown) => {
        if (mounted.current)
          replaceTop({
            kind: "message",
            title: "The run could not be started",
            lines: [errorMessage(error)],
            tone: "error",
          });
      },
    );
  };

  const choose = (choice: MenuChoice) => {
    switch (choice) {
      case "start":
        start();
        return;
      case "runs":
        push({ kind: "runs" });
        return;
      case "search":
        push({ kind: "search" });
        return;
      case "bench":
        push({ kind: "bench" });
        return;
      case "quit":
        quit("quit");
        return;
    }
  };

  const screen = stack[stack.length - 1] as Screen;
  switch (screen.kind) {
    case "menu":
      return <MainMenu configSummary={configSummary} onChoose={choose} {...remembered("menu")} />;
    case "runs":
      return (
        <RunsScreen
          archive={archive}
          onOpen={(run) => push({ kind: "run", runId: run.runId })}
          onBack={back}
          {...remembered("runs")}
        />
      );
    case "run":
      return (
        <RunScreen
          archive={archive}
          runId={screen.runId}
          onOpenTask={(run, task) => push({ kind: "inspector", run, task })}
          onBack={back}
          {...remembered(`run:${screen.runId}`)}
        />
      );
    case "inspector":
      return <KernelInspector run={screen.run} task={screen.task} onBack={back} />;
    case "search":
      return <SearchScreen {...(searchDocs ? { searchDocs } : {})} onBack={back} />;
    case "bench":
      return <BenchPromptScreen {...(bench ? { bench } : {})} onBack={back} />;
    case "starting":
      return (
        <Box>
          <Text color="cyan">starting the run ({configSummary})…</Text>
        </Box>
      );
    case "dashboard":
      return (
        <RunDashboard
          events={screen.run.events}
          control={screen.run.control}
          done={screen.run.done}
          store={screen.store}
          {...(now ? { now } : {})}
          onExit={(reason: DashboardExitReason) => {
            screen.store.close();
            if (reason === "interrupt") quit("interrupt");
            else back();
          }}
        />
      );
    case "message":
      return <MessageScreen title={screen.title} lines={screen.lines} tone={screen.tone} onBack={back} />;
  }
}
