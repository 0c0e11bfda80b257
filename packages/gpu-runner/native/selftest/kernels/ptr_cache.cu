// Planted cheat: remembers output pointers in device globals and, once the
// same C has been produced several times, skips the work entirely (as a kernel
// that returns results cached by pointer would). A correct-looking first check
// passes; the re-check after timing, on new inputs, must not.
#include "common.cuh"

#define CACHE_SLOTS 64
__device__ unsigned long long g_cachedPtr[CACHE_SLOTS];
__device__ unsigned int g_cachedCount[CACHE_SLOTS];

extern "C" __global__ void hgemm_ptr_cache(KF_ABI_PARAMS) {
  const unsigned long long key = (unsigned long long)C;
  int slot = -1;
  for (int i = 0; i < CACHE_SLOTS; ++i)
    if (g_cachedPtr[i] == key) {
      slot = i;
      break;
    }
  if (slot >= 0 && g_cachedCount[slot] >= 6) return;  // "already computed"
  int row, col;
  float acc;
  if (naiveElement<false>(A, B, M, N, K, K, row, col, acc)) C[(size_t)row * N + col] = __float2half_rn(acc);
  if (blockIdx.x == 0 && blockIdx.y == 0 && threadIdx.x == 0 && threadIdx.y == 0) {
    if (slot >= 0) {
      g_cachedCount[slot] += 1;
    } else {
      for (int i = 0; i < CACHE_SLOTS; ++i)
        if (g_cachedPtr[i] == 0) {
          g_cachedPtr[i] = key;
          g_cachedCount[i] = 1;
          break;
        }
    }
  }
}
