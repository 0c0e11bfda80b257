#!/usr/bin/env bash
# Builds one bench program that links cuBLAS: build-with-cublas.sh SOURCE.cu OUTPUT. cuBLAS's header and library
# are looked up where CUDA or a Python wheel (nvidia-cublas) put them; set CUBLAS_INCLUDE / CUBLAS_LIB to override.
set -euo pipefail
source_file="$1"
output="$2"
find_first() { find /usr/local /opt /usr/lib /usr/include "$HOME" -name "$1" -print -quit 2>/dev/null || true; }
include="${CUBLAS_INCLUDE:-$(dirname "$(find_first cublas_v2.h)")}"
library="${CUBLAS_LIB:-$(dirname "$(find_first 'libcublas.so*')")}"
if [[ ! -f "$include/cublas_v2.h" || ! -d "$library" ]]; then
  echo "cuBLAS not found: set CUBLAS_INCLUDE (the folder of cublas_v2.h) and CUBLAS_LIB (the folder of libcublas.so)" >&2
  exit 2
fi
# Link the library file itself: a wheel ships libcublas.so.13 without the unversioned name.
lib_file="$(ls "$library"/libcublas.so* | head -1)"
nvcc -O3 -arch=sm_90a -I"$include" -o "$output" "$source_file" "$lib_file" -Xlinker -rpath="$library"
