/**
 * Times ingestion into a temporary index, run with
 *
 *   node packages/plugins/lancedb-retriever/bench/run.mjs ingest.ts [--embedder offline|hashing] [--edit] DIRECTORY…
 *
 * It prints the report of a first ingest (with the time per phase; the offline embedder's model is fitted in
 * the embed phase), the peak resident memory, and the report of a second ingest with nothing changed. With
 * `--edit`, the directories are first copied to a temporary directory, and a third ingest follows a change to
 * one file of the copy (a model refit and every chunk re-embedded, one file chunked again).
 */
import { appendFileSync, cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { createEmbedder, openDocsIndex } from "../src/index.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { embedder: { type: "string", default: "offline" }, edit: { type: "boolean", default: false } },
});
const directory = mkdtempSync(path.join(os.tmpdir(), "kforge-ingest-bench-"));
let paths = positionals;
if (values.edit) {
  paths = positionals.map((source, position) => {
    const target = path.join(directory, `copy-${position}`);
    cpSync(source, target, { recursive: true });
    return target;
  });
}
try {
  const embedder = createEmbedder(values.embedder === "hashing" ? { kind: "hashing" } : { kind: "offline" });
  const index = await openDocsIndex({ uri: directory, embedder });
  const phases = new Map<string, number>();
  let last = performance.now();
  let phase = "";
  const first = await index.ingest(paths, {
    onProgress: (progress) => {
      if (progress.phase !== phase) {
        const now = performance.now();
        if (phase !== "") phases.set(phase, (phases.get(phase) ?? 0) + now - last);
        phase = progress.phase;
        last = now;
      }
    },
  });
  phases.set(phase, (phases.get(phase) ?? 0) + performance.now() - last);
  const { failed, ...report } = first;
  console.log(
    JSON.stringify({
      embedder: embedder.name,
      ...report,
      failed: failed.length,
      phasesMilliseconds: Object.fromEntries([...phases].map(([name, ms]) => [name, Math.round(ms)])),
      peakRssMegabytes: Math.round(process.resourceUsage().maxRSS / 1024),
    }),
  );
  const again = await index.ingest(paths);
  console.log(JSON.stringify({ again: { ...again, failed: again.failed.length } }));
  if (values.edit) {
    const file = readdirSync(paths[0]!, { recursive: true, withFileTypes: true }).find((entry) =>
      entry.isFile(),
    )!;
    appendFileSync(path.join(file.parentPath, file.name), "\n// edited\n");
    const edited = await index.ingest(paths);
    console.log(JSON.stringify({ afterEditingOneFile: { ...edited, failed: edited.failed.length } }));
  }
  await index.close();
} finally {
  rmSync(directory, { recursive: true, force: true });
}
