#!/usr/bin/env bash
# Full self-test on a CUDA host with a GPU: builds everything (as
# compile-check.sh does), runs the sample kernels through the harness and
# prints the verdict table, then times the naive kernel and the cuBLAS
# baselines at 4096^3 twice. Responses are logged to
# $BUILD/selftest-responses.jsonl. Pass --no-timing to skip the timing part.
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"

find_nvcc
echo "nvcc: $NVCC ($("$NVCC" --version | tail -n 2 | head -n 1))"
build_harness
if [ "$USED_STUB" = 1 ]; then
  echo "error: no CUDA driver library on this machine; run compile-check.sh instead" >&2
  exit 1
fi
build_driver
echo "== compiling sample kernels ($KERNEL_ARCH_FLAGS)"
build_kernels
echo "== cuBLAS search folders, in order (harness --print-cublas-search)"
"$HARNESS" --print-cublas-search | sed 's/^/   /'
echo "== running the self-test"
"$DRIVER" "$HARNESS" "$CUBINS" "$BUILD/selftest-responses.jsonl" "$@"
