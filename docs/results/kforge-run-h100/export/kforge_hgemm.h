/*
 * kforge_hgemm.h: fp16 GEMM kernels found by KernelForge (run h100-subset), one tuned kernel per supported
 * problem shape (48 shape(s)). Figures in the sources are measured.
 *
 * Computes C = A * op(B) with fp16 inputs and output and fp32 accumulation:
 *   A is M x K row-major; C is M x N row-major;
 *   KFORGE_HGEMM_LAYOUT_NN:     B is K x N row-major (C = A * B);
 *   KFORGE_HGEMM_LAYOUT_LINEAR: B is N x K row-major (C = A * B^T, as a linear layer's weight).
 * Every kernel is specialized for one (M, N, K, layout); other shapes return cudaErrorNotSupported.
 *
 * Requirements (what the kernels were verified under): A, B, C and the workspace start 256-byte aligned (as
 * cudaMalloc returns them); the workspace holds at least kforge_hgemm_workspace_bytes(M, N, K, layout) bytes (it
 * may be NULL when that is 0); A and B are not modified; every element of C is written. Calls are
 * stream-ordered and asynchronous; a kernel that needs a zeroed workspace gets it zeroed on the stream before
 * each launch, so concurrent calls need distinct workspaces.
 */
#ifndef KFORGE_HGEMM_H
#define KFORGE_HGEMM_H

#include <stddef.h>
#include <cuda_runtime.h>
#include <cuda_fp16.h>

#ifndef __cplusplus
/* cuda_fp16.h defines __half for C++ only; C callers pass pointers to 16-bit IEEE halves. */
typedef struct __half __half;
#endif

#define KFORGE_HGEMM_LAYOUT_NN 0
#define KFORGE_HGEMM_LAYOUT_LINEAR 1

#ifdef __cplusplus
extern "C" {
#endif

/* One supported problem and where its kernel came from. */
typedef struct kforge_hgemm_shape {
  int M;
  int N;
  int K;
  int layout; /* KFORGE_HGEMM_LAYOUT_NN or KFORGE_HGEMM_LAYOUT_LINEAR */
  size_t workspace_bytes;
  const char* task_key;     /* KernelForge task key, e.g. hgemm.f16f32.nn.4096x4096x4096.sm90 */
  const char* candidate_id; /* KernelForge candidate id of the kernel */
} kforge_hgemm_shape;

/*
 * Enqueues C = A * op(B) on `stream`. Returns cudaErrorNotSupported for a shape not in the table,
 * cudaErrorInvalidValue for a null or misaligned pointer or a workspace smaller than required, otherwise the
 * status of the launch (and of the workspace memset, when there is one).
 */
cudaError_t kforge_hgemm(int M, int N, int K, int layout, const __half* A, const __half* B, __half* C,
                       void* workspace, size_t workspaceBytes, cudaStream_t stream);

/* Workspace bytes the kernel for this shape needs (0 when it needs none or the shape is not supported). */
size_t kforge_hgemm_workspace_bytes(int M, int N, int K, int layout);

/* 1 when the shape is supported, else 0. */
int kforge_hgemm_supports(int M, int N, int K, int layout);

/* Number of supported shapes; when `shapes` is not NULL, *shapes points to the static table of them. */
int kforge_hgemm_supported_shapes(const kforge_hgemm_shape** shapes);

/* "measured" or "estimated": how the figures recorded for these kernels were obtained. */
const char* kforge_hgemm_measurement(void);

#ifdef __cplusplus
}
#endif

#endif /* KFORGE_HGEMM_H */
