#!/usr/bin/env bash
# GPU check for any CUDA host: builds the native harness and runs its self-test, then runs the evaluator
# GPU check (planted-bad kernels through the real evaluator, repeatability, baselines at 4096³, throughput
# on 64 kernels at 2048³) and `kforge bench` on one kernel file. Needs nvcc, a GPU, cuBLAS and Node ≥ 20.
#
#   NODE=/path/to/node TOOLS=dist-gpu OUT=/tmp/gpu-check bash packages/gpu-runner/scripts/gpu-check.sh
#
# TOOLS holds kforge.mjs and gpu-check.mjs from `node scripts/bundle-gpu-tools.mjs` (the host needs no
# node_modules). Logs and JSON go to $OUT; a short summary is printed last.
set -uo pipefail
cd "$(dirname "$0")/../../.."
NODE="${NODE:-node}"
TOOLS="${TOOLS:-dist-gpu}"
OUT="${OUT:-gpu-check-output}"
mkdir -p "$OUT"
export KFORGE_CACHE_DIR="${KFORGE_CACHE_DIR:-$(mktemp -d)}"
export KFORGE_NATIVE_DIR="${KFORGE_NATIVE_DIR:-$PWD/packages/gpu-runner/native}"
status=0

nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,memory.total --format=csv,noheader | tee "$OUT/gpu.txt"

echo "== native harness self-test"
KFORGE_BUILD_DIR="$(mktemp -d)" bash packages/gpu-runner/native/selftest/run-selftest.sh >"$OUT/native-selftest.log" 2>&1 || status=1
grep -E "case\(s\) failed|FAIL" "$OUT/native-selftest.log" | head -20

echo "== evaluator GPU check"
"$NODE" "$TOOLS/gpu-check.mjs" --out "$OUT" >"$OUT/evaluator-check.log" 2>&1 || status=1

echo "== kforge bench"
bench_file=docs/examples/kernels/wmma-hgemm.cu
"$NODE" "$TOOLS/kforge.mjs" bench "$bench_file" --shape 4096x4096x4096 >"$OUT/bench.txt" 2>&1 || status=1

echo
echo "== summary"
tail -n 3 "$OUT/native-selftest.log"
cat "$OUT/bench.txt" | tail -n 14
tail -n 28 "$OUT/evaluator-check.log"
exit $status
