#!/usr/bin/env bash
# The headline benchmark, on any CUDA host with nvcc, a GPU, cuBLAS and Node ≥ 20 (no node_modules needed):
#   1. a measured `kforge run` over the benchmark subset with the embedded defaults (template generator, GRPO,
#      nvcc evaluator), bounded by RUN_SECONDS;
#   2. headline.mjs: every shape's winning kernel re-timed in a new process against every baseline, cold and
#      hot; the trained policy alone on unseen shapes; headline.json, headline-tables.md and two SVG charts.
#
#   NODE=/path/to/node TOOLS=dist-gpu OUT=/tmp/headline [ROUNDS=5] [GROUP=8] [SAMPLES=20] [RETIME_SAMPLES=30] \
#     [RUN_SECONDS=445] bash bench/headline/headline.sh
#
# TOOLS holds kforge.mjs, headline.mjs and node_modules/@lancedb/... from `node scripts/bundle-gpu-tools.mjs`.
set -uo pipefail
cd "$(dirname "$0")/../.."
NODE="${NODE:-node}"
TOOLS="$(cd "${TOOLS:-dist-gpu}" && pwd)"
OUT="${OUT:-headline-output}"
SHAPES="$(realpath "${SHAPES:-datasets/shapes/benchmark-subset.json}")"
UNSEEN="$(realpath "${UNSEEN:-datasets/shapes/generalization.json}")"
ROUNDS="${ROUNDS:-5}"
GROUP="${GROUP:-8}"
SAMPLES="${SAMPLES:-20}"
RETIME_SAMPLES="${RETIME_SAMPLES:-30}"
RUN_SECONDS="${RUN_SECONDS:-445}"
RUN_ID="${RUN_ID:-headline-$(date -u +%Y%m%d-%H%M%S)}"
WORK="${WORK:-$(mktemp -d)}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
export KFORGE_NATIVE_DIR="${KFORGE_NATIVE_DIR:-$PWD/packages/gpu-runner/native}"
export KFORGE_CACHE_DIR="${KFORGE_CACHE_DIR:-$WORK/cache}"

echo "== 1. kforge run, bounded to $RUN_SECONDS s (packages/cli/scripts/gpu-run.sh, search only)"
SEARCH_ONLY=1 NODE="$NODE" TOOLS="$TOOLS" OUT="$OUT" WORK="$WORK" SHAPES="$SHAPES" ROUNDS="$ROUNDS" GROUP="$GROUP" \
  SAMPLES="$SAMPLES" RUN_SECONDS="$RUN_SECONDS" RUN_ID="$RUN_ID" MODE=measured bash packages/cli/scripts/gpu-run.sh \
  | tee "$OUT/search.log"
run_status=${PIPESTATUS[0]}
run_seconds=$(sed -n 's/^run took \([0-9]*\) s$/\1/p' "$OUT/search.log")
if [ "$run_status" -ne 0 ]; then
  echo "the run did not finish with a summary; see $OUT/run.stderr" >&2
  exit 1
fi

echo "== 2. re-timing the winners, generalization"
"$NODE" "$TOOLS/headline.mjs" --archive "$WORK/archive" --run-id "$RUN_ID" --shapes "$SHAPES" --unseen "$UNSEEN" \
  --samples "$RETIME_SAMPLES" --run-seconds "$run_seconds" --out "$OUT" 2>"$OUT/headline.stderr" | tee "$OUT/headline.log"
status=${PIPESTATUS[0]}
xz -T2 -6 -f "$OUT/run.jsonl"
exit "$status"
