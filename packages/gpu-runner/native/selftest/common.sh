# Shared build steps of compile-check.sh and run-selftest.sh (sourced, not run).
# Locates nvcc, builds the harness, the self-test driver and the sample kernels
# into $BUILD (default: packages/gpu-runner/native/build).

SELFTEST_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NATIVE_DIR="$(dirname "$SELFTEST_DIR")"
BUILD="${KFORGE_BUILD_DIR:-$NATIVE_DIR/build}"
CUBINS="$BUILD/cubins"
HARNESS="$BUILD/kforge-harness"
DRIVER="$BUILD/kforge-selftest-driver"
# Extra flags for the harness build only (the plain build is the reference).
HARNESS_EXTRA_FLAGS="${KFORGE_HARNESS_NVCC_FLAGS:-}"
KERNEL_ARCH_FLAGS="${KFORGE_KERNEL_ARCH_FLAGS:--gencode=arch=compute_90a,code=sm_90a}"

find_nvcc() {
  local c
  for c in "${KFORGE_NVCC:-}" "${CUDA_HOME:+$CUDA_HOME/bin/nvcc}" "$(command -v nvcc 2>/dev/null || true)" \
           /usr/local/cuda/bin/nvcc; do
    if [ -n "$c" ] && [ -x "$c" ]; then NVCC="$c"; return 0; fi
  done
  echo "error: nvcc not found (set CUDA_HOME or KFORGE_NVCC, or put nvcc on PATH)" >&2
  return 1
}

# Builds a stand-in libcuda.so exporting every driver entry point the harness
# object uses (each returns CUDA_ERROR_STUB_LIBRARY). Only for machines that
# have nvcc but neither a driver nor the toolkit's stub library.
make_driver_stub() {
  local obj="$1" dir="$BUILD/stubs"
  mkdir -p "$dir"
  {
    echo "/* generated: stand-in CUDA driver library for linking without a driver */"
    nm -u "$obj" | awk '$2 ~ /^cu[A-Z]/ { printf "int %s(void) { return 34; }\n", $2 }'
  } >"$dir/libcuda-stub.c"
  "$NVCC" -shared -Xcompiler -fPIC -Xlinker -soname=libcuda.so.1 -o "$dir/libcuda.so" "$dir/libcuda-stub.c"
  ln -sf libcuda.so "$dir/libcuda.so.1"
}

build_harness() {
  mkdir -p "$BUILD"
  echo "== building harness: $NVCC -O2 -std=c++17 -o kforge-harness harness.cu -lcuda -ldl $HARNESS_EXTRA_FLAGS"
  USED_STUB=0
  # shellcheck disable=SC2086
  if (cd "$NATIVE_DIR" && "$NVCC" -O2 -std=c++17 -o "$HARNESS" harness.cu -lcuda -ldl $HARNESS_EXTRA_FLAGS) \
       >"$BUILD/harness-build.log" 2>&1; then
    cat "$BUILD/harness-build.log"
    return 0
  fi
  if ! grep -q -- "cannot find -lcuda" "$BUILD/harness-build.log"; then
    cat "$BUILD/harness-build.log"
    echo "error: harness build failed" >&2
    return 1
  fi
  echo "== no libcuda.so to link against on this machine: linking against a generated stub"
  # shellcheck disable=SC2086
  (cd "$NATIVE_DIR" && "$NVCC" -O2 -std=c++17 -c -o "$BUILD/harness.o" harness.cu $HARNESS_EXTRA_FLAGS)
  make_driver_stub "$BUILD/harness.o"
  "$NVCC" -O2 -std=c++17 -o "$HARNESS" "$BUILD/harness.o" -L"$BUILD/stubs" -lcuda -ldl
  USED_STUB=1
}

build_driver() {
  echo "== building self-test driver"
  "$NVCC" -O2 -std=c++17 -o "$DRIVER" "$SELFTEST_DIR/driver.cpp"
}

# Compiles every sample kernel to a cubin. no_compile.cu must fail, every
# other one must succeed. Prints the ptxas resource line of each kernel.
build_kernels() {
  mkdir -p "$CUBINS"
  local src name ok=0
  for src in "$SELFTEST_DIR"/kernels/*.cu; do
    name="$(basename "$src" .cu)"
    rm -f "$CUBINS/$name.cubin"
    # shellcheck disable=SC2086
    if "$NVCC" -cubin $KERNEL_ARCH_FLAGS -Xptxas -v -o "$CUBINS/$name.cubin" "$src" >"$CUBINS/$name.log" 2>&1; then
      if [ "$name" = "no_compile" ]; then
        echo "   $name: compiled, but it is meant to fail" >&2
        ok=1
      else
        printf '   %-14s %s\n' "$name" "$(grep -h -o 'Used [0-9]* registers.*' "$CUBINS/$name.log" | head -n 1)"
      fi
    else
      if [ "$name" = "no_compile" ]; then
        printf '   %-14s rejected by nvcc, as intended\n' "$name"
      else
        echo "   $name: FAILED to compile" >&2
        cat "$CUBINS/$name.log" >&2
        ok=1
      fi
    fi
  done
  return $ok
}
