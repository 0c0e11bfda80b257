import { Writable } from "node:stream";
import { type RetrievedPassage, RunEventBus, RunLoop, tasksFromConfig } from "@kernelforge/core";
import { render } from "ink";
import type { CliContext } from "../cli-context.js";
import { main } from "../main.js";
import { createRunComponents, loadSearchConfig, openConfiguredArchive } from "../search/search-setup.js";
import { SessionApp, type StartedRun } from "../ui/session/session-app.js";
import { searchDocsIndex } from "./docs-command.js";

/**
 * `kforge` with no arguments on a terminal: the interactive session. Start a run of the config, browse past
 * runs and their best kernels, inspect a kernel's source and checks, search the docs, bench a file.
 */
export async function sessionCommand(context: CliContext): Promise<number> {
  const loaded = await loadSearchConfig(context.cwd, undefined);
  const archive = await openConfiguredArchive(loaded);
  const events = new RunEventBus();
  const components = await createRunComponents(loaded, events, archive);
  const description = await components.evaluator.describe();
  const { config } = loaded;
  const configSummary = `${components.generator.name} → ${components.evaluator.name} (${description.measurement}${description.devices.length ? ` on ${description.devices.join(", ")}` : ""}) · ${tasksFromConfig(config).length} task(s) · ${config.search.rounds} round(s) × ${config.search.groupSize}`;
  let running: { loop: RunLoop; abort: AbortController; done: Promise<unknown>; over: boolean } | undefined;
  const retrievers = components.retrievers ?? [];

  const startRun = (): Promise<StartedRun> | undefined => {
    // One run at a time: a new one starts once the previous one has ended (finished, stopped or failed).
    if (running && !running.over) return undefined;
    const abort = new AbortController();
    const loop = new RunLoop(components, { signal: abort.signal });
    const done = loop.start(config);
    const current = { loop, abort, done, over: false };
    done.then(
      () => {
        current.over = true;
      },
      () => {
        current.over = true;
      },
    );
    running = current;
    return Promise.resolve({ events, control: loop, done });
  };

  const bench = async (file: string, shape: string): Promise<string> => {
    let text = "";
    const sink = new Writable({
      write(chunk, _encoding, callback) {
        text += chunk.toString();
        callback();
      },
    });
    const estimate = description.measurement === "estimated" ? ["--estimate"] : [];
    const status = await main(["bench", file, "--shape", shape, ...estimate], {
      stdout: sink,
      stderr: sink,
      env: context.env,
      cwd: context.cwd,
    });
    return status === 0 || text ? text : `kforge bench exited with status ${status}`;
  };

  const toHit = (passage: RetrievedPassage) => ({
    source: `${passage.chunk.source}:${passage.chunk.lineStart}${passage.chunk.section ? ` (${passage.chunk.section})` : ""} · ${passage.retriever}`,
    text: passage.chunk.text,
    score: passage.score,
  });
  // The loaded retrievers, as a generation would get them; without one, the docs index that
  // `kforge docs ingest` wrote (empty when nothing was ingested).
  const searchDocs = async (query: string) => {
    if (retrievers.length === 0) return (await searchDocsIndex(context, query)).map(toHit);
    const lists = await Promise.all(
      retrievers.map((retriever) => retriever.retrieve({ text: query, limit: 8 })),
    );
    return lists.flat().map(toHit);
  };

  try {
    await new Promise<void>((resolve) => {
      const instance = render(
        <SessionApp
          archive={archive}
          startRun={startRun}
          bench={bench}
          searchDocs={searchDocs}
          configSummary={configSummary}
          onExit={(reason) => {
            if (reason === "interrupt") running?.abort.abort();
            resolve();
          }}
        />,
        {
          stdout: context.stdout as NodeJS.WriteStream,
          stderr: context.stderr as NodeJS.WriteStream,
          ...(context.stdin ? { stdin: context.stdin } : {}),
          patchConsole: false,
          exitOnCtrlC: false,
        },
      );
      instance.waitUntilExit().then(() => resolve());
    });
    if (running) {
      running.loop.stop();
      await running.done.catch(() => undefined);
    }
    return 0;
  } finally {
    await components.evaluator.close();
    await archive.close();
  }
}
