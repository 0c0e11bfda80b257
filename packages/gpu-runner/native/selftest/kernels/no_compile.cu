// Deliberately broken source: the self-test expects nvcc to reject it.
#include "common.cuh"

extern "C" __global__ void hgemm_no_compile(KF_ABI_PARAMS) {
  float acc = undeclared_identifier * 2.0f
  C[0] = __float2half_rn(acc);
}
