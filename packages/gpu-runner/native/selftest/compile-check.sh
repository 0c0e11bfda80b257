#!/usr/bin/env bash
# Build check for machines without a GPU (CI): compiles the harness, the
# self-test driver and every sample kernel, then feeds the harness a few
# protocol lines to make sure it answers each with one JSON line and never
# crashes, even when no device is present.
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"

find_nvcc
echo "nvcc: $NVCC ($("$NVCC" --version | tail -n 2 | head -n 1))"
build_harness
build_driver
echo "== compiling sample kernels ($KERNEL_ARCH_FLAGS)"
build_kernels

echo "== protocol smoke test"
run_env=()
if [ "$USED_STUB" = 1 ]; then run_env=(env "LD_LIBRARY_PATH=$BUILD/stubs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"); fi
replies="$(printf '%s\n' '{"id":1,"op":"hello"}' 'this is not json' '{"id":2,"op":"check"}' '' \
  '{"id":3,"op":"no-such-op"}' '{"id":4,"op":"shutdown"}' | "${run_env[@]}" "$HARNESS" 2>"$BUILD/smoke-stderr.log")"
echo "$replies"
count="$(printf '%s\n' "$replies" | grep -c '^{"id":.*"ok":' || true)"
if [ "$count" != 5 ]; then
  echo "error: expected 5 JSON replies, got $count (stderr in $BUILD/smoke-stderr.log)" >&2
  exit 1
fi
printf '%s\n' "$replies" | sed -n 2p | grep -q '"code":"bad_request"' || { echo "error: malformed line not rejected" >&2; exit 1; }
printf '%s\n' "$replies" | sed -n 4p | grep -q '"code":"bad_request"' || { echo "error: unknown op not rejected" >&2; exit 1; }
echo "compile-check: OK"
