import path from "node:path";
import { KernelForgeError, type PluginReference, type RetrievedPassage } from "@kernelforge/core";
import {
  type DocsIndex,
  type IngestProgress,
  type IngestReport,
  type LanceDbRetrieverOptions,
  lanceDbRetrieverOptionsSchema,
  openDocsIndex,
} from "@kernelforge/plugin-lancedb-retriever";
import type { CliContext } from "../cli-context.js";
import { type OutputMode, writeJson } from "../output/present.js";
import { archiveLocation, loadSearchConfig } from "../search/search-setup.js";

export interface DocsOptions {
  positionals: string[];
  limit?: string | undefined;
  mode?: string | undefined;
  source?: string | undefined;
  rebuild?: boolean;
  config?: string | undefined;
}

const PLUGIN_NAME = "@kernelforge/plugin-lancedb-retriever";

/**
 * The retriever plugin's options from the config (its entry in `plugins`, else its defaults), validated by its
 * own schema. A relative index path is resolved from the working directory, as the retriever resolves it
 * during a run.
 */
export async function indexOptions(context: CliContext, configPath: string | undefined) {
  const loaded = await loadSearchConfig(context.cwd, configPath);
  const entry = loaded.config.plugins.find(
    (reference: PluginReference) =>
      (typeof reference === "string" ? reference : reference.from) === PLUGIN_NAME,
  );
  const raw = entry && typeof entry !== "string" ? (entry.options ?? {}) : {};
  const parsed = lanceDbRetrieverOptionsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new KernelForgeError(
      "invalid_plugin_options",
      `${PLUGIN_NAME} options: ${issue?.path.join(".") || "options"}: ${issue?.message ?? "invalid"}`,
      { hint: "See the plugin's README for its options." },
    );
  }
  const options: LanceDbRetrieverOptions = parsed.data;
  return {
    uri: archiveLocation(options.uri, context.cwd),
    embedder: options.embedder,
    mode: options.mode,
  };
}

async function withIndex<Result>(
  options: Awaited<ReturnType<typeof indexOptions>>,
  work: (index: DocsIndex) => Promise<Result>,
  rebuild = false,
): Promise<Result> {
  const index = await openDocsIndex({
    uri: options.uri,
    embedder: options.embedder,
    ...(rebuild ? { rebuild } : {}),
  });
  try {
    return await work(index);
  } finally {
    await index.close();
  }
}

/**
 * `kforge docs ingest <path…>`: Markdown, text, HTML and C/C++ headers into the documentation index
 * (incremental: unchanged files are skipped, removed ones dropped). `kforge docs search "<query>"`: the
 * passages a generator would get. `kforge docs stats`: what the index holds.
 */
export async function docsCommand(
  context: CliContext,
  mode: OutputMode,
  options: DocsOptions,
): Promise<number> {
  const [action, ...rest] = options.positionals;
  const located = await indexOptions(context, options.config);
  switch (action) {
    case "ingest": {
      if (rest.length === 0) {
        throw new KernelForgeError("usage", "kforge docs ingest needs at least one path", {
          hint: "Example: kforge docs ingest datasets/cuda-docs /usr/local/cuda/include",
        });
      }
      // The index names sources relative to the process's working directory (as the retriever reads them).
      const paths = rest.map(
        (entry) => path.relative(process.cwd(), path.resolve(context.cwd, entry)) || ".",
      );
      const onProgress = progressPrinter(context, mode);
      const report = await withIndex(
        located,
        (index) => index.ingest(paths, onProgress ? { onProgress } : {}),
        options.rebuild === true,
      );
      if (mode === "json") writeJson(context, { index: located.uri, ...report });
      else context.stdout.write(`${ingestSummary(report, located.uri)}\n`);
      return report.failed.length > 0 && report.files === 0 ? 1 : 0;
    }
    case "search": {
      const query = rest.join(" ").trim();
      if (!query) {
        throw new KernelForgeError("usage", "kforge docs search needs a query", {
          hint: 'Example: kforge docs search "ldmatrix x4 trans for the B operand"',
        });
      }
      const limit = options.limit === undefined ? 5 : Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
        throw new KernelForgeError("usage", `--limit must be an integer from 1 to 100, not ${options.limit}`);
      }
      const searchMode = options.mode ?? located.mode;
      if (searchMode !== "hybrid" && searchMode !== "fts" && searchMode !== "vector") {
        throw new KernelForgeError(
          "usage",
          `--mode must be hybrid, fts or vector, not ${JSON.stringify(searchMode)}`,
        );
      }
      const started = performance.now();
      const passages = await withIndex(located, (index) =>
        index.search(query, {
          limit,
          mode: searchMode,
          ...(options.source ? { sources: [options.source] } : {}),
        }),
      );
      const milliseconds = performance.now() - started;
      if (mode === "json") writeJson(context, { index: located.uri, query, mode: searchMode, passages });
      else context.stdout.write(`${searchLines(passages, query, searchMode, milliseconds).join("\n")}\n`);
      return 0;
    }
    case "stats": {
      const stats = await withIndex(located, (index) => index.stats());
      if (mode === "json") writeJson(context, { index: located.uri, ...stats });
      else
        context.stdout.write(
          `${located.uri}: ${stats.files} file(s), ${stats.chunks} chunk(s), embedder ${stats.embedder} (${stats.dimensions} dimensions)\n`,
        );
      return 0;
    }
    default:
      throw new KernelForgeError("usage", `Unknown docs action ${JSON.stringify(action)}`, {
        hint: 'Use kforge docs ingest <path...>, kforge docs search "<query>" or kforge docs stats.',
      });
  }
}

function progressPrinter(
  context: CliContext,
  mode: OutputMode,
): ((progress: IngestProgress) => void) | undefined {
  if (mode === "json") return undefined;
  let lastLine = 0;
  return (progress) => {
    const now = Date.now();
    if (progress.done !== progress.total && now - lastLine < 500) return;
    lastLine = now;
    const width = 30;
    const filled = progress.total ? Math.round((progress.done / progress.total) * width) : width;
    const bar = `${"█".repeat(filled)}${"░".repeat(width - filled)}`;
    const line = `${progress.phase.padEnd(5)} ${bar} ${progress.done}/${progress.total}${progress.file ? ` ${progress.file}` : ""}`;
    if (mode === "interactive") context.stdout.write(`\r\u001b[2K${line.slice(0, 110)}`);
    else if (progress.done === progress.total) context.stdout.write(`${line}\n`);
  };
}

function ingestSummary(report: IngestReport, uri: string): string {
  const lines = [
    `\ningested into ${uri}: ${report.files} file(s), ${report.chunks} chunk(s) written, ${report.skipped} unchanged, ${report.removed} removed, ${(report.durationMilliseconds / 1000).toFixed(1)} s (${report.chunksPerSecond.toFixed(0)} chunks/s)`,
  ];
  for (const failure of report.failed) lines.push(`  ✖ ${failure.path}: ${failure.reason}`);
  return lines.join("\n");
}

function searchLines(
  passages: RetrievedPassage[],
  query: string,
  mode: string,
  milliseconds: number,
): string[] {
  const lines = [
    `${passages.length} passage(s) for ${JSON.stringify(query)} (${mode}, ${milliseconds.toFixed(0)} ms)`,
  ];
  passages.forEach((passage, index) => {
    const { chunk } = passage;
    lines.push(
      "",
      `${index + 1}. ${chunk.source}:${chunk.lineStart}-${chunk.lineEnd}${chunk.section ? ` · ${chunk.section}` : ""} (score ${passage.score.toFixed(4)})`,
    );
    const text = chunk.text.replace(/\s+/g, " ").trim();
    lines.push(`   ${text.length > 300 ? `${text.slice(0, 300)}…` : text}`);
  });
  return lines;
}

/**
 * Searches the configured docs index without loading the retriever plugin (the interactive session uses it
 * when no retriever is loaded); a missing index reads as empty.
 */
export async function searchDocsIndex(
  context: CliContext,
  query: string,
  limit = 8,
): Promise<RetrievedPassage[]> {
  const located = await indexOptions(context, undefined);
  const index = await openDocsIndex({ uri: located.uri, embedder: located.embedder, readOnly: true });
  try {
    return await index.search(query, { limit, mode: located.mode });
  } finally {
    await index.close();
  }
}
