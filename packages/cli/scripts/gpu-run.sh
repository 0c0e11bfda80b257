#!/usr/bin/env bash
# The main job on any CUDA host with nvcc, a GPU, cuBLAS and Node ≥ 20 (no node_modules needed): a measured
# `kforge run` over a shape set, then its report and its CUDA-library export, the export's example built with
# nvcc and run on the GPU. Logs, the report and the export go to $OUT; a short summary is printed last.
#
#   NODE=/path/to/node TOOLS=dist-gpu OUT=/tmp/kforge-run \
#     SHAPES=datasets/shapes/benchmark-subset.json ROUNDS=4 GROUP=8 SAMPLES=20 [RUN_SECONDS=480] [PACK=1] \
#     bash packages/cli/scripts/gpu-run.sh
#
# RUN_SECONDS bounds the search: when it is up, the run is interrupted once (SIGINT), finishes the evaluations
# in flight, archives them and ends as `cancelled` (resumable with `kforge run --resume`). SEARCH_ONLY=1 stops
# after the run (no report, no export): the exit status says whether it ended with its summary.
#
# TOOLS holds kforge.mjs and node_modules/@lancedb/... from `node scripts/bundle-gpu-tools.mjs`. The run's
# archive is kept in $WORK (default: a new temporary directory), so `kforge run --resume` can continue it.
set -uo pipefail
cd "$(dirname "$0")/../../.."
NODE="${NODE:-node}"
TOOLS="$(cd "${TOOLS:-dist-gpu}" && pwd)"
OUT="${OUT:-kforge-run-output}"
SHAPES="${SHAPES:-datasets/shapes/benchmark-subset.json}"
ROUNDS="${ROUNDS:-4}"
GROUP="${GROUP:-8}"
SAMPLES="${SAMPLES:-20}"
RUN_ID="${RUN_ID:-gpu-run-$(date -u +%Y%m%d-%H%M%S)}"
WORK="${WORK:-$(mktemp -d)}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
SHAPES="$(realpath "$SHAPES")"
export KFORGE_NATIVE_DIR="${KFORGE_NATIVE_DIR:-$PWD/packages/gpu-runner/native}"
export KFORGE_CACHE_DIR="${KFORGE_CACHE_DIR:-$WORK/cache}"
status=0

nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,memory.total --format=csv,noheader | tee "$OUT/gpu.txt"
cat >"$WORK/kforge.config.json" <<CONFIG
{
  "plugins": [
    "@kernelforge/plugin-template-generator",
    "@kernelforge/plugin-grpo",
    { "from": "@kernelforge/plugin-nvcc-evaluator", "options": { "mode": "${MODE:-measured}", "samples": $SAMPLES } }
  ],
  "search": { "rounds": $ROUNDS, "groupSize": $GROUP, "seed": 1 },
  "archive": { "uri": "./archive" }
}
CONFIG
cp "$WORK/kforge.config.json" "$OUT/kforge.config.json"
kforge() { (cd "$WORK" && "$NODE" "$TOOLS/kforge.mjs" "$@"); }

echo "== kforge run ($RUN_ID: $(basename "$SHAPES"), $ROUNDS rounds × $GROUP)"
start=$(date +%s)
limit=()
[ -n "${RUN_SECONDS:-}" ] && limit=(timeout -s INT -k 120 "$RUN_SECONDS")
(cd "$WORK" && "${limit[@]}" "$NODE" "$TOOLS/kforge.mjs" run --shapes "$SHAPES" --run-id "$RUN_ID" --json) \
  >"$OUT/run.jsonl" 2>"$OUT/run.stderr"
run_status=$?
# 124: RUN_SECONDS was up and the run was interrupted; it stopped cleanly if it printed its summary.
if [ "$run_status" -ne 0 ] && ! { [ "$run_status" -eq 124 ] && tail -n 1 "$OUT/run.jsonl" | grep -q '"type":"summary"'; }; then
  status=1
fi
echo "run took $(( $(date +%s) - start )) s"
tail -n 1 "$OUT/run.jsonl" | cut -c 1-400
[ "${SEARCH_ONLY:-0}" = 1 ] && exit $status

echo "== kforge report"
kforge report "$RUN_ID" --out "$OUT/report" >"$OUT/report.log" 2>&1 || status=1
echo "== kforge export"
kforge export "$RUN_ID" --out "$OUT/export" >"$OUT/export.log" 2>&1 || status=1
if [ -f "$OUT/export/Makefile" ]; then
  (make -C "$OUT/export" >"$OUT/export-build.log" 2>&1 && "$OUT/export/example" >"$OUT/export-example.txt" 2>&1) || status=1
  rm -f "$OUT/export/example" "$OUT/export"/*.o "$OUT/export"/*.a "$OUT/export"/kernels/*.o
fi

# PACK=1: the report and the export as one archive file, for hosts whose output is copied file by file.
if [ "${PACK:-0}" = 1 ]; then
  tar -C "$OUT" -cJf "$OUT/report-and-export.tar.xz" report export && rm -rf "$OUT/report" "$OUT/export"
  xz -T0 -f "$OUT/run.jsonl"
fi

echo
echo "== summary"
cat "$OUT/report.log" "$OUT/export.log"
tail -n 5 "$OUT/export-example.txt" 2>/dev/null
grep -A 8 '^## Geometric means' "$OUT/report/report.md" 2>/dev/null || tar -xJOf "$OUT/report-and-export.tar.xz" report/report.md | grep -A 8 '^## Geometric means'
grep -A 6 '^## Throughput' "$OUT/report/report.md" 2>/dev/null || tar -xJOf "$OUT/report-and-export.tar.xz" report/report.md | grep -A 6 '^## Throughput'
exit $status
