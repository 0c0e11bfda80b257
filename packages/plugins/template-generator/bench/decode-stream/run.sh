#!/usr/bin/env bash
# Builds and runs decode-stream.cu on a CUDA host (see ../build-with-cublas.sh for how cuBLAS is found).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${BUILD_DIR:-$(mktemp -d)}"
bash "$here/../build-with-cublas.sh" "$here/decode-stream.cu" "$out/decode-stream"
"$out/decode-stream" "$@"
